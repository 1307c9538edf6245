// Command mykaarma-fake serves the in-memory fake myKaarma API of package mykaarmatest as a
// standalone server, for demos and docker-compose. The API is served under its real paths; the
// control endpoints of (*mykaarmatest.Server).AdminHandler under /_fake/.
//
// Credentials come from FAKE_MYKAARMA_USERNAME and FAKE_MYKAARMA_PASSWORD (default
// test-user/test-pass). Flags:
//
//	-addr        listen address (default 127.0.0.1:8089)
//	-fail-rate   probability in 0..1 that an API call answers 503
//	-latency     delay added to every API call
//	-seed        seed of the fault randomness
//	-load        "examples": start with the customers the samples in examples/ match
//
// -h prints the flags and exits 0.
//
// SIGINT or SIGTERM stops it: hanging requests are released, then in-flight requests get up to
// five seconds to finish.
package main
