# SSM_SANITIZERS: sanitizers to build every target with, as -fsanitize= takes them:
# "address,undefined" (scripts/test.sh's sanitizer stage) or "thread" (its runtime stage). The
# runtime's own CMake project includes this file too, so that it can be built alone with them.
set(SSM_SANITIZERS "" CACHE STRING
    "Build with these sanitizers (-fsanitize=...), e.g. address,undefined or thread")
if(SSM_SANITIZERS)
  # Any undefined behaviour fails the program instead of printing a warning and going on;
  # frame pointers and line tables make the reports readable.
  add_compile_options(-fsanitize=${SSM_SANITIZERS} -fno-sanitize-recover=all
                      -fno-omit-frame-pointer -gline-tables-only)
  add_link_options(-fsanitize=${SSM_SANITIZERS})
endif()
