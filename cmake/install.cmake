# cmake/install.cmake — `cmake --install` puts the public headers under include/kesim/, the
# libraries of the C++ API's layers, a CMake package (find_package(kesim CONFIG), target
# kesim::kesim) and a pkg-config file (kesim.pc). The headers include only <kesim/...> and the
# standard library; the layers' own headers (sim/) are not installed.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# The libraries the API needs, in link order (each before the ones it uses).
set(KESIM_API_LIBS kesim_api kesim_explore kesim_machine kesim_report kesim_catalog kesim_check
    kesim_io kesim_autoboost kesim_ex kesim_ke kesim_engine kesim_fiber)

# The target users link: kesim::kesim (its own name is kesim_lib: `kesim` is the CLI).
add_library(kesim_lib INTERFACE)
set_target_properties(kesim_lib PROPERTIES EXPORT_NAME kesim)
add_library(kesim::kesim ALIAS kesim_lib)
target_link_libraries(kesim_lib INTERFACE kesim_api)
target_include_directories(kesim_lib INTERFACE $<BUILD_INTERFACE:${CMAKE_SOURCE_DIR}/include>
                                               $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
target_compile_features(kesim_lib INTERFACE cxx_std_20)

install(TARGETS kesim_lib ${KESIM_API_LIBS} EXPORT kesimTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY ${CMAKE_SOURCE_DIR}/include/kesim DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT kesimTargets NAMESPACE kesim:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/kesim)
configure_package_config_file(${CMAKE_SOURCE_DIR}/cmake/kesimConfig.cmake.in
                              ${CMAKE_BINARY_DIR}/kesimConfig.cmake
                              INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/kesim)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/kesimConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/kesimConfig.cmake ${CMAKE_BINARY_DIR}/kesimConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/kesim)

# pkg-config: -l flags in link order, then the Debian libraries the layers use.
set(KESIM_PC_LIBS "")
foreach(lib ${KESIM_API_LIBS})
  string(APPEND KESIM_PC_LIBS " -l${lib}")
endforeach()
configure_file(${CMAKE_SOURCE_DIR}/cmake/kesim.pc.in ${CMAKE_BINARY_DIR}/kesim.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/kesim.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
