// Command leadworker moves CRM lead and customer events from Kafka into
// myKaarma without creating duplicate customers.
//
//	leadworker run     the worker; configured from the environment (README.md)
//	leadworker demo    the whole pipeline on an embedded broker and a fake myKaarma
//	leadworker bench   throughput against the embedded broker and the fake
//	leadworker dlq     inspect and replay the dead-letter topic
//	leadworker topics  create the topics the worker needs (topics create)
//	leadworker admin   admin actions on the worker beside it (admin resume)
//	leadworker probe   health check of the worker beside it (probe ready|alive)
//
// This package only reads the environment and the flags, validates them and
// dispatches; the worker lives in package worker, demo and bench in package
// sandbox. It holds no policy.
package main
