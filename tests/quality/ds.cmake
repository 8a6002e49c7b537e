# Dawid-Skene cross-check: ds_driver runs our aggregators on ratings from
# stdin and prints JSON; crosscheck_ds.py compares it with an independent
# numpy EM written from the paper. Included from tests/quality/CMakeLists.txt.
# Debian's /usr/bin/python3 is named on purpose: it is the one with numpy.
add_executable(ds_driver ${CMAKE_CURRENT_LIST_DIR}/ds_driver.c)
target_link_libraries(ds_driver PRIVATE lq_quality PkgConfig::JANSSON)
add_test(NAME quality.ds_crosscheck
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/crosscheck_ds.py $<TARGET_FILE:ds_driver>)
set_tests_properties(quality.ds_crosscheck PROPERTIES LABELS quality TIMEOUT 300
  ENVIRONMENT PYTHONDONTWRITEBYTECODE=1)
