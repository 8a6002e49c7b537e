# labelq-annotate and labelq-bench, the two programs built on liblabelq
# besides the admin CLI. Included from client/CMakeLists.txt; their files are
# named annotate*.c and bench*.c (one concept per file), so each list is a
# glob over its own prefix.
file(GLOB LQ_ANNOTATE_SRC CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/annotate*.c)
add_executable(labelq-annotate ${LQ_ANNOTATE_SRC})
target_link_libraries(labelq-annotate PRIVATE liblabelq PkgConfig::JANSSON Threads::Threads m)

file(GLOB LQ_BENCH_SRC CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/bench*.c)
add_executable(labelq-bench ${LQ_BENCH_SRC})
# The load mode (bench_load*.c) drives liblabelq's TLS sessions itself; typed
# answers (bench_answer.c) cut spans on lq_quality's tokens.
target_link_libraries(labelq-bench PRIVATE liblabelq lq_quality OpenSSL::SSL PkgConfig::JANSSON
                      Threads::Threads m)

set_target_properties(labelq-annotate labelq-bench PROPERTIES
  INSTALL_RPATH "$ORIGIN/../${CMAKE_INSTALL_LIBDIR}")
install(TARGETS labelq-annotate labelq-bench RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
