// Package testkit holds what the tests of every package share: waiting on a
// condition with a deadline instead of sleeping. Only tests import it; it is a
// leaf (it imports nothing of this module), so the tests of any package can.
package testkit
