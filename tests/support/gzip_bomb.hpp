// A decompression bomb for the security tests: a valid gzip stream whose
// body decodes to `mib` MiB of zero bytes while weighing about 1 KiB per MiB
// (deflate's ratio tops out near 1000:1, so 1 GiB is about 1 MiB on the wire).
#pragma once

#include <cstdint>
#include <string>

namespace tether::test {

std::string gzip_bomb(std::uint32_t mib);

}  // namespace tether::test
