# Cross-checks of the label types beyond single choice (quality/label_sets,
# ordinal_median, numeric_consensus, text_distance, spans, boxes) against
# independent implementations on random data: NLTK (alpha with MASI,
# Jaccard, binary, interval and custom distances; edit_distance;
# f_measure; conlltags2tree), numpy and scipy (medians, MAD), Python's
# statistics (median_low), shapely (box geometry), and the numpy
# Dawid-Skene of crosscheck_ds.py. Included from tests/quality/CMakeLists.txt.
# labeltypes_driver runs our code on JSON cases from stdin; each script
# generates its cases, runs the driver once and compares.
add_executable(labeltypes_driver ${CMAKE_CURRENT_LIST_DIR}/labeltypes_driver.c)
target_link_libraries(labeltypes_driver PRIVATE lq_quality PkgConfig::JANSSON m)
foreach(kind sets numeric text spans boxes)
  add_test(NAME quality.crosscheck_${kind}
    COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/crosscheck_${kind}.py
            $<TARGET_FILE:labeltypes_driver>
    WORKING_DIRECTORY ${CMAKE_CURRENT_LIST_DIR})
  # The scripts import crosscheck_common.py (and crosscheck_ds.py): no
  # __pycache__ left in the source tree.
  set_tests_properties(quality.crosscheck_${kind} PROPERTIES LABELS quality TIMEOUT 300
    ENVIRONMENT PYTHONDONTWRITEBYTECODE=1)
endforeach()
