package logmask

import "strings"

// IsIdentifierField reports whether a log field carries an identifier that operators search
// logs by, which the free-text net therefore never changes (secrets and the personal values
// attached with WithPersonal are still masked there). The set, compared without regard to case
// and to "_", "-" and ".":
//
//	eventId eventType leadId customerUuid customerKey vehicleUuid requestId correlationId
//	department departmentUuid dealer dealerUuid topic partition offset key group groupId
//	member memberId generation generationId client clientId broker trace_id span_id traceId
//	spanId parent_id op status code attempt attempts
func IsIdentifierField(key string) bool {
	k := strings.Map(func(r rune) rune {
		switch r {
		case '_', '-', '.':
			return -1
		}
		return r
	}, strings.ToLower(key))
	switch k {
	case "eventid", "eventtype", "leadid", "customeruuid", "customerkey", "vehicleuuid",
		"requestid", "correlationid", "department", "departmentuuid", "dealer", "dealeruuid",
		"topic", "partition", "offset", "key", "group", "groupid", "member", "memberid",
		"generation", "generationid", "client", "clientid", "broker", "traceid", "spanid",
		"parentid", "op", "status", "code", "attempt", "attempts":
		return true
	}
	return false
}
