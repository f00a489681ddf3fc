// tether_demo: the live-preview demo (`make demo`); see demo.hpp for its options.
#include "demo.hpp"

int main(int argc, char** argv) {
  return tether::demo::run(argc, argv);
}
