# Shared compile settings for every LeakDesk target. Applied per target, never globally,
# so third-party headers (QCustomPlot, yaml-cpp) are not affected by our definitions.
function(leakdesk_target_defaults target)
    target_compile_features(${target} PUBLIC cxx_std_20)
    if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
        target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wno-missing-field-initializers)
        if(LEAKDESK_WERROR)
            target_compile_options(${target} PRIVATE -Werror)
        endif()
        if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
            # GCC 12 reports std::optional/std::variant members as "maybe uninitialized" at -O2
            # (GCC bug 80635 and friends): false positives only seen in optimised builds.
            target_compile_options(${target} PRIVATE -Wno-maybe-uninitialized)
        endif()
    endif()
    # QT_NO_KEYWORDS is not used: QCustomPlot's public header relies on `signals:`.
    target_compile_definitions(${target} PRIVATE
        QT_NO_FOREACH
        QT_NO_NARROWING_CONVERSIONS_IN_CONNECT
        QT_NO_URL_CAST_FROM_STRING
        QT_USE_QSTRINGBUILDER
        QT_STRICT_ITERATORS)
endfunction()

# leakdesk_module(NAME <short> SOURCES ... LINK ... [NOT_IN_CORE]): one static library per core/
# folder, aggregated by the leakdesk_core interface target unless NOT_IN_CORE (the sandbox: only
# app/ and tests/ link it, by name).
function(leakdesk_module)
    cmake_parse_arguments(M "NOT_IN_CORE" "NAME" "SOURCES;LINK;PUBLIC_LINK" ${ARGN})
    set(tgt leakdesk_${M_NAME})
    add_library(${tgt} STATIC ${M_SOURCES})
    leakdesk_target_defaults(${tgt})
    target_include_directories(${tgt} PUBLIC ${PROJECT_SOURCE_DIR})
    target_link_libraries(${tgt} PUBLIC ${M_PUBLIC_LINK} PRIVATE ${M_LINK})
    set_target_properties(${tgt} PROPERTIES POSITION_INDEPENDENT_CODE ON)
    if(NOT M_NOT_IN_CORE)
        target_link_libraries(leakdesk_core INTERFACE ${tgt})
    endif()
endfunction()
