/* Stand-in for ATS's build-time configuration header, for ATS's test plugins: only what they read. */
#define TS_USE_TLS_ASYNC 1 /* OpenSSL 3 has ASYNC jobs (tests/tools/plugins/async_engine.c) */
