# Run by `cmake --install` (see daemon/CMakeLists.txt): installs the
# systemd unit and the example config with the paths of the prefix chosen
# at install time, which configure time cannot know.
#
# In:  CMAKE_INSTALL_PREFIX (set by cmake --install), LQ_SOURCE_DIR,
#      LQ_STAGE_DIR (a build directory to write the unit in), LQ_BINDIR and
#      LQ_DOCDIR (relative, from GNUInstallDirs).
# Out: PREFIX/lib/systemd/system/labelqd.service
#      PREFIX/etc/labelq/labelqd.conf, only when there is none: an edited
#      config survives a reinstall (/etc/labelq/ when PREFIX is /usr, as
#      GNUInstallDirs does). The pristine copy is in LQ_DOCDIR.

set(prefix "${CMAKE_INSTALL_PREFIX}")
if(prefix STREQUAL "/usr")
  set(etc_dir "/etc")
else()
  set(etc_dir "${prefix}/etc")
endif()

file(READ "${LQ_SOURCE_DIR}/deploy/labelqd.service" unit)
string(REPLACE "/usr/local/bin/" "${prefix}/${LQ_BINDIR}/" unit "${unit}")
string(REPLACE "/usr/local/etc/labelq/" "${etc_dir}/labelq/" unit "${unit}")
string(REPLACE "/usr/local/share/doc/labelq/" "${prefix}/${LQ_DOCDIR}/" unit "${unit}")
file(WRITE "${LQ_STAGE_DIR}/labelqd.service" "${unit}")
file(INSTALL DESTINATION "${prefix}/lib/systemd/system" TYPE FILE
  PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
  FILES "${LQ_STAGE_DIR}/labelqd.service")

if(EXISTS "$ENV{DESTDIR}${etc_dir}/labelq/labelqd.conf")
  message(STATUS "Kept: $ENV{DESTDIR}${etc_dir}/labelq/labelqd.conf (the example is in ${LQ_DOCDIR})")
else()
  file(INSTALL DESTINATION "${etc_dir}/labelq" TYPE FILE
    PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
    FILES "${LQ_SOURCE_DIR}/deploy/labelqd.conf")
endif()
