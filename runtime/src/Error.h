//===- Error.h - the runtime's error reporting ------------------*- C++ -*-===//

#ifndef SSM_RUNTIME_ERROR_H
#define SSM_RUNTIME_ERROR_H

#include "ssm/runtime.h"

#include <string>

namespace ssm::rt {

/// Records `message` as this thread's last error and returns `status`.
ssm_status fail(ssm_status status, std::string message);

} // namespace ssm::rt

#endif // SSM_RUNTIME_ERROR_H
