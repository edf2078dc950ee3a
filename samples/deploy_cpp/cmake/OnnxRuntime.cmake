# ONNX Runtime for the sample, fetched at configure time from package registries by their own
# clients (nothing comes from a release page, nothing of ONNX Runtime's API is written here):
#
# - the shared library from Maven Central's com.microsoft.onnxruntime:onnxruntime jar (Microsoft's
#   Java package, which bundles the official libonnxruntime.so per platform), through Maven;
# - the official C and C++ API headers from Debian's libonnxruntime-dev, through apt-get download
#   from the release (ORT_DEBIAN_SUITE) whose package has the same upstream version. The .deb is
#   only unpacked into the build folder, never installed, so the host's Debian release may differ.
#
# Defines the imported target onnxruntime::onnxruntime and ORT_LIBRARY_DIR (for the run path).
# Both downloads are cached (Maven's local repository, the build folder): later builds are offline.

set(ORT_VERSION 1.21.0 CACHE STRING "ONNX Runtime version of both the library and the headers")
set(ORT_DEBIAN_SUITE trixie CACHE STRING "Debian release whose libonnxruntime-dev is ORT_VERSION")
set(ORT_MAVEN_DEPENDENCY_PLUGIN 3.8.1)
set(ORT_ROOT "${CMAKE_BINARY_DIR}/onnxruntime-${ORT_VERSION}")

if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64)$")
  set(ORT_JAR_PLATFORM linux-x64)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64)$")
  set(ORT_JAR_PLATFORM linux-aarch64)
endif()
if(NOT CMAKE_SYSTEM_NAME STREQUAL "Linux" OR NOT ORT_JAR_PLATFORM)
  message(FATAL_ERROR "deploy_cpp fetches ONNX Runtime for Linux on x86_64 or aarch64; this is "
                      "${CMAKE_SYSTEM_NAME} on ${CMAKE_SYSTEM_PROCESSOR}")
endif()

# Runs a command, stops the configuration with its output when it fails; its standard output is
# left in ORT_RUN_OUTPUT.
function(ort_run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT code EQUAL 0)
    message(FATAL_ERROR "ONNX Runtime: ${what} failed (${code}):\n${out}${err}")
  endif()
  set(ORT_RUN_OUTPUT "${out}" PARENT_SCOPE)
endfunction()

# The library: Maven copies the jar out of its local repository (fetching it once), CMake unpacks
# this platform's libonnxruntime.so.
function(ort_fetch_library)
  set(lib "${ORT_ROOT}/lib/libonnxruntime.so")
  if(EXISTS "${lib}")
    return()
  endif()
  find_program(MVN mvn)
  if(NOT MVN)
    message(FATAL_ERROR "ONNX Runtime: Maven (mvn) is needed to fetch the library: "
                        "apt-get install maven")
  endif()
  set(jar "${ORT_ROOT}/download/onnxruntime-${ORT_VERSION}.jar")
  ort_run("mvn dependency:copy of com.microsoft.onnxruntime:onnxruntime:${ORT_VERSION}"
    ${MVN} -q -B
    org.apache.maven.plugins:maven-dependency-plugin:${ORT_MAVEN_DEPENDENCY_PLUGIN}:copy
    -Dartifact=com.microsoft.onnxruntime:onnxruntime:${ORT_VERSION}
    -DoutputDirectory=${ORT_ROOT}/download)
  set(member "ai/onnxruntime/native/${ORT_JAR_PLATFORM}/libonnxruntime.so")
  file(ARCHIVE_EXTRACT INPUT "${jar}" DESTINATION "${ORT_ROOT}/jar" PATTERNS "${member}")
  file(COPY "${ORT_ROOT}/jar/${member}" DESTINATION "${ORT_ROOT}/lib")
  # The library's SONAME is libonnxruntime.so.1: the loader looks for that name at run time.
  file(CREATE_LINK libonnxruntime.so "${ORT_ROOT}/lib/libonnxruntime.so.1" SYMBOLIC)
endfunction()

# The Debian archive this host's apt already uses (its main suite's address), so that the headers
# come from the same mirror as every other package of the machine.
function(ort_debian_archive out)
  ort_run("apt-get indextargets" apt-get indextargets --no-release-info
    --format "$(REPO_URI) $(RELEASE) $(COMPONENT)" "Created-By: Packages")
  set(targets "${ORT_RUN_OUTPUT}")
  file(STRINGS /etc/os-release codename REGEX "^VERSION_CODENAME=")
  string(REPLACE "VERSION_CODENAME=" "" codename "${codename}")
  string(REGEX MATCH "([^ \n]+) ${codename} main" match "${targets}")
  if(NOT match)
    message(FATAL_ERROR "ONNX Runtime: no Debian archive for '${codename} main' among apt's "
                        "sources (/etc/apt/sources.list*):\n${targets}")
  endif()
  set(${out} "${CMAKE_MATCH_1}" PARENT_SCOPE)
endfunction()

# The headers: a private apt configuration in the build folder lists ORT_DEBIAN_SUITE, apt-get
# downloads libonnxruntime-dev (signature and hash checked by apt as usual), dpkg-deb unpacks it.
function(ort_fetch_headers)
  set(include "${ORT_ROOT}/include/onnxruntime")
  if(EXISTS "${include}/onnxruntime_cxx_api.h")
    return()
  endif()
  foreach(tool apt-get dpkg-deb)
    find_program(tool_path_${tool} ${tool})
    if(NOT tool_path_${tool})
      message(FATAL_ERROR "ONNX Runtime: ${tool} is needed to fetch Debian's headers")
    endif()
  endforeach()
  ort_debian_archive(archive)
  set(apt "${ORT_ROOT}/apt")
  file(MAKE_DIRECTORY "${apt}/lists/partial" "${apt}/cache/archives/partial" "${apt}/parts")
  file(WRITE "${apt}/sources.list" "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg]"
                                   " ${archive} ${ORT_DEBIAN_SUITE} main\n")
  set(options
    -o "Dir::Etc::SourceList=${apt}/sources.list" -o "Dir::Etc::SourceParts=${apt}/parts"
    -o "Dir::State::Lists=${apt}/lists" -o "Dir::Cache=${apt}/cache"
    -o "APT::Sandbox::User=root")  # as root, apt's _apt user could not write the build folder
  ort_run("apt-get update (Debian ${ORT_DEBIAN_SUITE})" apt-get -q ${options} update)
  ort_run("apt-cache show libonnxruntime-dev"
    apt-cache ${options} show --no-all-versions libonnxruntime-dev)
  string(REGEX MATCH "\nVersion: ([^\n]+)" match "\n${ORT_RUN_OUTPUT}")
  set(deb_version "${CMAKE_MATCH_1}")
  if(NOT deb_version MATCHES "^${ORT_VERSION}[+~-]")
    message(FATAL_ERROR "ONNX Runtime: Debian ${ORT_DEBIAN_SUITE}'s libonnxruntime-dev is "
                        "'${deb_version}', not ${ORT_VERSION} (set ORT_VERSION and "
                        "ORT_DEBIAN_SUITE to a pair that match)")
  endif()
  ort_run("apt-get download libonnxruntime-dev=${deb_version}" ${CMAKE_COMMAND} -E chdir "${apt}"
    apt-get -q ${options} download "libonnxruntime-dev=${deb_version}")
  file(GLOB deb "${apt}/libonnxruntime-dev_*.deb")
  ort_run("dpkg-deb -x ${deb}" dpkg-deb -x "${deb}" "${ORT_ROOT}/deb")
  file(COPY "${ORT_ROOT}/deb/usr/include/onnxruntime" DESTINATION "${ORT_ROOT}/include")
endfunction()

ort_fetch_library()
ort_fetch_headers()

# Header and library must be one release: the headers' C API version is the minor version.
file(STRINGS "${ORT_ROOT}/include/onnxruntime/onnxruntime_c_api.h" api REGEX
     "^#define ORT_API_VERSION [0-9]+")
string(REGEX MATCH "[0-9]+$" api "${api}")
string(REGEX MATCH "^[0-9]+\\.([0-9]+)" _ "${ORT_VERSION}")
if(NOT api EQUAL CMAKE_MATCH_1)
  message(FATAL_ERROR "ONNX Runtime: headers have C API version ${api}, library is ${ORT_VERSION}")
endif()

add_library(onnxruntime::onnxruntime SHARED IMPORTED)
set_target_properties(onnxruntime::onnxruntime PROPERTIES
  IMPORTED_LOCATION "${ORT_ROOT}/lib/libonnxruntime.so"
  IMPORTED_SONAME libonnxruntime.so.1
  INTERFACE_INCLUDE_DIRECTORIES "${ORT_ROOT}/include/onnxruntime")
set(ORT_LIBRARY_DIR "${ORT_ROOT}/lib")
message(STATUS "ONNX Runtime ${ORT_VERSION}: library from Maven Central, headers from Debian "
               "${ORT_DEBIAN_SUITE} (${ORT_ROOT})")
