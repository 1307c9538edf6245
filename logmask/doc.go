// Package logmask masks personal data and secrets in log entries. It owns one thing: what a
// log line may show of a customer's phones, emails and names, and of the credentials the
// process holds. It imports only logrus and the standard library.
//
// Three layers run in every entry that passes through a [Formatter] (and so through the
// logger [New] returns):
//
//  1. Secrets given to [New] or [NewFormatter] are replaced with "[redacted]" in the message
//     and every field, as they are and in the forms an HTTP body or URL carries them (see
//     [SecretForms]). A form of at least [MinFragmentBytes] (8) bytes is redacted wherever it
//     appears; a shorter one only where it is the whole message or a field's whole value, so
//     that a one-character password does not cut ordinary words.
//  2. Personal values attached with [WithPersonal] (the event's phones, emails and names, known
//     exactly) are masked in the message and every field, identifier fields included: an email
//     in any letter case and with @ written %40, a phone in any formatting (only its digits
//     count, with or without the +1 country code), a name in any letter case. A value is masked
//     only where it stands alone, never inside a longer word or number. The carrier field is
//     removed from the output.
//  3. A conservative net masks, in the message and in every field that is not an identifier
//     field (see [IsIdentifierField]), email addresses (international ones, quoted local parts,
//     @ written %40) and North American phone numbers written as phone numbers (10 digits, or
//     11 with a leading 1; separators space . - / _ and parentheses; fullwidth digits). It never
//     masks digits that are part of a UUID, a hyphenated, dotted or alphanumeric identifier, a
//     timestamp, a duration, an IP address or a host:port.
//
// Masked values keep the style operators know: "jo***@example.com", "***1006", and "***" for
// a name. Fields that are not strings or errors are passed through unchanged.
package logmask
