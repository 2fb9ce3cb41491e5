# The .deb that ci/package builds with CPack: what `cmake --install` installs, under /usr, with
# its Depends worked out by dpkg-shlibdeps from the libraries the executables link (spdlog,
# yaml-cpp, Boost.Filesystem, fmt, libstdc++ ...), so the list cannot fall behind the code.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME hotdeploy)
set(CPACK_PACKAGE_VENDOR "hotdeploy")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "prove that an nginx executable upgrade or rollback loses no request")
string(CONCAT CPACK_PACKAGE_DESCRIPTION
  "hotdeploy drives real nginx or its stand-in fake-nginx through upgrade and rollback scenarios "
  "(USR2, WINCH, QUIT, HUP, TERM) under load, records one history and judges whether any request "
  "was lost. It ships fake-nginx, fake-nginx-stamp and a library of scenarios.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "hotdeploy maintainers <hotdeploy@localhost>")
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Real nginx is one of the two targets, not needed for the fake one.
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "nginx-light | nginx")
include(CPack)
