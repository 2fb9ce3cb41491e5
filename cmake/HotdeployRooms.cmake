# The harness rooms' include paths. A room's headers are included as "harness/ROOM/name.h". Each
# room gets an include root of its own in the build tree, holding harness/ROOM (a link to the
# room's folder) and nothing else; a room's library exposes only that root, so a file sees the
# rooms its library links (its own and, through them, its dependencies') and no other: an include
# of a room it does not declare fails to compile. ci/check-rooms says the same in words.

# hotdeploy_room(TARGET ROOM): TARGET is the library of harness/ROOM.
function(hotdeploy_room target room)
  set(root ${PROJECT_BINARY_DIR}/include_roots/${room})
  file(MAKE_DIRECTORY ${root}/harness)
  file(CREATE_LINK ${PROJECT_SOURCE_DIR}/harness/${room} ${root}/harness/${room} SYMBOLIC)
  target_include_directories(${target} PUBLIC $<BUILD_INTERFACE:${root}>)
endfunction()

# hotdeploy_forbidden_include(ROOM LIBRARY HEADER): a CTest test, rooms.ROOM_cannot_include_NAME,
# that compiles a file including HEADER (a header that exists) with LIBRARY's include path, and
# passes only when the compiler reports that HEADER is not found there.
function(hotdeploy_forbidden_include room library header)
  get_filename_component(name ${header} NAME_WE)
  get_filename_component(folder ${header} DIRECTORY)
  get_filename_component(other ${folder} NAME)
  set(probe room_probe_${room}_${other})
  set(source ${PROJECT_BINARY_DIR}/room_probes/${probe}.cpp)
  file(CONFIGURE OUTPUT ${source} CONTENT "#include \"${header}\"\n")
  add_library(${probe} OBJECT EXCLUDE_FROM_ALL ${source})
  target_link_libraries(${probe} PRIVATE ${library})
  add_test(NAME rooms.${room}_cannot_include_${other}
    COMMAND ${CMAKE_COMMAND} --build ${PROJECT_BINARY_DIR} --target ${probe})
  # gcc: "HEADER: No such file or directory"; clang: "'HEADER' file not found".
  set_tests_properties(rooms.${room}_cannot_include_${other} PROPERTIES
    PASS_REGULAR_EXPRESSION "${header}: No such file or directory;'${header}' file not found"
    RESOURCE_LOCK build_tree)
endfunction()
