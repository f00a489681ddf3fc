#include "support/gzip_bomb.hpp"

#include <zlib.h>

#include <stdexcept>

namespace tether::test {

namespace {

constexpr std::size_t kChunk = 1 << 20;

// Deflates `in` with `flush`, appending what comes out to `out`.
void deflate_into(z_stream& z, const std::string& in, int flush, std::string& out) {
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  char buffer[64 * 1024];
  do {
    z.next_out = reinterpret_cast<Bytef*>(buffer);
    z.avail_out = sizeof buffer;
    if (deflate(&z, flush) == Z_STREAM_ERROR) throw std::runtime_error("deflate failed");
    out.append(buffer, sizeof buffer - z.avail_out);
  } while (z.avail_out == 0 || z.avail_in > 0);
}

}  // namespace

std::string gzip_bomb(std::uint32_t mib) {
  if (mib == 0) mib = 1;
  z_stream z{};
  if (deflateInit2(&z, 9, Z_DEFLATED, 31 /* gzip */, 9, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("deflateInit2 failed");
  }
  // After a full flush the compressor starts afresh, so every later MiB of
  // zeros deflates to the same bytes: made once, repeated.
  const std::string zeros(kChunk, '\0');
  std::string head, chunk, tail;
  deflate_into(z, zeros, Z_FULL_FLUSH, head);  // gzip header + the first MiB
  deflate_into(z, zeros, Z_FULL_FLUSH, chunk);
  deflate_into(z, std::string(), Z_FINISH, tail);  // last block + trailer (for 2 MiB)
  deflateEnd(&z);
  std::string out = head;
  out.reserve(head.size() + chunk.size() * mib + tail.size());
  for (std::uint32_t i = 1; i < mib; ++i) out += chunk;
  // The trailer for what the stream really holds: CRC-32 and size mod 2^32.
  uLong crc_mib = crc32(0L, reinterpret_cast<const Bytef*>(zeros.data()), kChunk);
  uLong crc = crc_mib;
  for (std::uint32_t i = 1; i < mib; ++i) crc = crc32_combine(crc, crc_mib, kChunk);
  auto size = static_cast<std::uint32_t>(std::uint64_t{mib} * kChunk);
  tail.resize(tail.size() - 8);
  for (int i = 0; i < 4; ++i) tail += static_cast<char>((crc >> (8 * i)) & 0xff);
  for (int i = 0; i < 4; ++i) tail += static_cast<char>((size >> (8 * i)) & 0xff);
  return out + tail;
}

}  // namespace tether::test
