// Package fairshare holds the policy of fair share that the worker applies
// with the consumer's scheduler (package dispatch): an event's priority by
// PRIORITY_RULES, and the rule that sends a department flooding the route
// stage to the bulk route topic.
package fairshare
