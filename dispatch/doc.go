// Package dispatch decides which waiting record gets the next handler slot
// of a consumer: a Scheduler holds a number of slots (the in-flight limit,
// which may change while it is in use) and hands them to waiters.
//
// Without Options.Fair, waiters are served in the order they asked, as a
// counting semaphore would.
//
// With Options.Fair, each waiter names its tenant (for leadworker, the
// department) and its priority, and a freed slot goes to:
//
//  1. the waiter that has waited longest, when it has waited MaxDefer or
//     more since Waiter.Since: no waiter is held behind more urgent work
//     for longer than that;
//  2. otherwise a waiter of the most urgent priority waiting (a smaller
//     number is more urgent; 0 is normal);
//  3. among the tenants waiting at that priority, the one holding the fewest
//     slots for its weight (every tenant weighs 1 unless Options.Weight
//     says otherwise), and among those the one served least recently: a
//     weighted round-robin over the slots held. A tenant is therefore never
//     given a slot while another tenant waiting at the same priority holds
//     fewer; a tenant that held more than its share when others arrived
//     gets no more until its share is back to theirs.
//  4. within a tenant and priority, the waiter that asked first.
//
// A Background waiter (the consumer's bulk route) is served only when no
// other waiter waits, with or without Options.Fair, and rule 1 does not
// apply to it: background work takes what the rest leaves free.
//
// Slots already held are never taken back: fairness works on the slots
// freed. The Scheduler knows nothing of Kafka, keys or lanes; a caller that
// keeps an order among its waiters (the consumer's key order) asks for a
// slot only for the record that may start.
//
// It imports no leadworker package.
package dispatch
