// Package schemas defines leadworker's input events and result records, the JSON Schemas that
// describe them, and the decoder that enforces those schemas.
//
// Two kinds of input event exist, told apart by eventType: a lead event ("lead") carries
// myKaarma's save-lead body ("How to save a lead"); a customer event ("customer") carries a customer and
// its vehicles. Their schemas, lead-event.schema.json and customer-event.schema.json (with the
// shared definitions.schema.json), are embedded and are the documentation upstream producers
// read. result.schema.json describes [Result].
//
// Guarantees:
//   - [Decode] returns an *[Event] only when the input satisfies its schema, so handlers can rely
//     on every required field being present and every enum, date and pattern being valid.
//   - Every error from [Decode] and [ValidateResult] is a *[ValidationError] that matches
//     [ErrInvalid] with errors.Is; its problems are sorted, and its message is deterministic for
//     a given input, so it can be used in golden files and dead-letter records. Messages never
//     echo more than a short prefix of the input.
//   - No string of a decoded event holds a NUL character or comes from an unpaired UTF-16
//     surrogate escape (which encoding/json would silently turn into U+FFFD); such input is
//     invalid, with the JSON pointer of the string in the message. A U+FFFD the producer sent
//     is kept: it is a valid character, and it cannot be told apart from one meant.
//   - Properties the schemas do not list are accepted and ignored (forward compatibility); a
//     listed property of the wrong type is an error.
//   - The package holds no mutable state and does not log; every function is safe for
//     concurrent use.
package schemas
