# node-gyp build of the same addon as CMakeLists.txt (`npx node-gyp rebuild`), same source list.
{
  'includes': ['native/sources.gypi'],
  'targets': [
    {
      'target_name': 'cefm_native',
      'sources': ['<@(cefm_sources)'],
      'include_dirs': ["<!(node -p \"require('node-addon-api').include_dir\")", 'native'],
      'defines': ['NAPI_VERSION=8', 'NAPI_CPP_EXCEPTIONS'],
      'cflags!': ['-fno-exceptions'],
      'cflags_cc!': ['-fno-exceptions', '-fno-rtti'],
      'cflags_cc': ['-std=c++17', '-O3', '-fexceptions', '-Wno-unused-parameter', '-Wno-psabi'],
      'xcode_settings': {
        'GCC_ENABLE_CPP_EXCEPTIONS': 'YES',
        'CLANG_CXX_LANGUAGE_STANDARD': 'c++17',
        'OTHER_CPLUSPLUSFLAGS': ['-O3'],
      },
      'msvs_settings': { 'VCCLCompilerTool': { 'ExceptionHandling': 1 } },
    },
  ],
}
