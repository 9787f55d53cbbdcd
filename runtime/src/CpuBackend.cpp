//===- CpuBackend.cpp - host code of an artifact on this CPU --------------===//

#include "CpuBackend.h"

#include <cerrno>
#include <cpuid.h>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

using namespace ssm::rt;

namespace {

struct CpuFeatures {
  bool v2 = false; // SSE3, SSSE3, SSE4.1, SSE4.2, POPCNT, CMPXCHG16B
  bool v3 = false; // + AVX, AVX2, BMI1, BMI2, F16C, FMA, LZCNT, MOVBE, OS-enabled AVX state
};

CpuFeatures detect() {
  CpuFeatures f;
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d))
    return f;
  auto bit = [](unsigned reg, int n) { return (reg >> n) & 1u; };
  f.v2 = bit(c, 0) && bit(c, 9) && bit(c, 19) && bit(c, 20) && bit(c, 23) && bit(c, 13);
  bool fma = bit(c, 12), movbe = bit(c, 22), osxsave = bit(c, 27), avx = bit(c, 28),
       f16c = bit(c, 29);
  bool avxState = false;
  if (osxsave) {
    unsigned lo, hi;
    __asm__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    avxState = (lo & 0x6) == 0x6; // XMM and YMM state saved by the OS
  }
  unsigned a7, b7, c7, d7;
  bool avx2 = false, bmi1 = false, bmi2 = false;
  if (__get_cpuid_count(7, 0, &a7, &b7, &c7, &d7)) {
    avx2 = bit(b7, 5);
    bmi1 = bit(b7, 3);
    bmi2 = bit(b7, 8);
  }
  unsigned ae, be, ce, de;
  bool lzcnt = __get_cpuid(0x80000001, &ae, &be, &ce, &de) && bit(ce, 5);
  f.v3 = f.v2 && fma && movbe && avx && f16c && avxState && avx2 && bmi1 && bmi2 && lzcnt;
  return f;
}

int level(std::string_view baseline) {
  if (baseline == "x86-64")
    return 1;
  if (baseline == "x86-64-v2")
    return 2;
  if (baseline == "x86-64-v3")
    return 3;
  return 99; // unknown: never chosen
}

} // namespace

bool ssm::rt::cpuSupports(std::string_view baseline) {
  static const CpuFeatures features = detect();
  int wanted = level(baseline);
  if (const char *cap = std::getenv("SSM_CPU_BASELINE"); cap && wanted > level(cap))
    return false;
  return wanted == 1 || (wanted == 2 && features.v2) || (wanted == 3 && features.v3);
}

HostModule::~HostModule() {
  if (handle)
    dlclose(handle);
}

bool HostModule::load(std::string_view bytes, const std::string &entry, std::string &error) {
  // The image lives in the artifact; dlopen needs a file. An anonymous memory file leaves
  // nothing behind; a temporary file is the fallback where memfd_create is unavailable.
  int fd = memfd_create("ssm-host", MFD_CLOEXEC);
  std::string path;
  char tempPath[] = "/tmp/ssm-host-XXXXXX";
  if (fd >= 0) {
    path = "/proc/self/fd/" + std::to_string(fd);
  } else {
    fd = mkstemp(tempPath);
    if (fd < 0) {
      error = std::string("cannot create a file for the host code: ") + std::strerror(errno);
      return false;
    }
    path = tempPath;
  }
  size_t written = 0;
  while (written < bytes.size()) {
    ssize_t n = write(fd, bytes.data() + written, bytes.size() - written);
    if (n <= 0) {
      if (n < 0 && errno == EINTR)
        continue;
      error = std::string("cannot write the host code: ") + std::strerror(errno);
      close(fd);
      if (path == tempPath)
        unlink(tempPath);
      return false;
    }
    written += static_cast<size_t>(n);
  }
  handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  const char *dlError = handle ? nullptr : dlerror();
  close(fd);
  if (path == tempPath)
    unlink(tempPath);
  if (!handle) {
    error = std::string("cannot load the host code: ") + (dlError ? dlError : "unknown error");
    return false;
  }
  entryFn = reinterpret_cast<ssm_host_entry_fn>(dlsym(handle, entry.c_str()));
  if (!entryFn) {
    error = "the host code has no entry point '" + entry + "'";
    return false;
  }
  return true;
}
