# The Python build (ATTNVIZ_PYTHON=ON, what `pip install .` configures; included by the top
# CMakeLists.txt, which stops after it): the torch-free stages the module wraps and the module.
#
# Why scikit-build-core + nanobind: the package is the same CMake project the CLI is built from, so
# scikit-build-core (which drives CMake from pyproject.toml, with no setup.py) builds it without a
# second build description; nanobind gives a small typed module with NumPy arrays in (ndarray, the
# buffer protocol) and bytes/str out, builds and loads faster and makes smaller binaries than
# pybind11, and translates C++ exceptions into Python ones, which is all the binding layer does.
find_package(Python 3.9 REQUIRED COMPONENTS Interpreter Development.Module)
execute_process(COMMAND "${Python_EXECUTABLE}" -m nanobind --cmake_dir
                OUTPUT_STRIP_TRAILING_WHITESPACE OUTPUT_VARIABLE nanobind_ROOT)
find_package(nanobind CONFIG REQUIRED)

find_package(nlohmann_json 3 REQUIRED)
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(UTF8PROC REQUIRED IMPORTED_TARGET libutf8proc)
find_path(STB_INCLUDE_DIR stb_image_write.h PATH_SUFFIXES stb REQUIRED)

# The static stages end up inside a shared module.
set(CMAKE_POSITION_INDEPENDENT_CODE ON)
add_compile_options(-Wall -Wextra)

add_library(attnviz_core INTERFACE)
target_include_directories(attnviz_core INTERFACE ${CMAKE_CURRENT_SOURCE_DIR}/include)
target_link_libraries(attnviz_core INTERFACE Threads::Threads)

# The page's front end: a clone has no src/web/dist until scripts/build_web.sh ran (needs npm).
if(NOT EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/src/web/dist/attnviz.js)
  message(STATUS "src/web/dist is missing: running scripts/build_web.sh")
  execute_process(COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/scripts/build_web.sh RESULT_VARIABLE web_result)
  if(NOT web_result EQUAL 0)
    message(FATAL_ERROR "scripts/build_web.sh failed; the HTML view's front end needs node and npm")
  endif()
endif()

foreach(stage safetensors analysis render web python)
  add_subdirectory(src/${stage})
endforeach()
