package handlers

import "strings"

// placeholderPhone says why 10 digits are an obvious placeholder rather than someone's
// number, or "" when they are not: one repeated digit (555-555-5555, 000-000-0000), a run
// of consecutive digits (123-456-7890, 987-654-3210), or a fictional 555-01xx number.
func placeholderPhone(d string) string {
	if len(d) != 10 {
		return ""
	}
	switch {
	case strings.Count(d, d[:1]) == len(d):
		return "a placeholder phone (one repeated digit)"
	case consecutive(d, 1) || consecutive(d, -1):
		return "a placeholder phone (a run of consecutive digits)"
	case d[3:6] == "555" && d[6:8] == "01":
		return "a fictional phone (555-0100 to 555-0199)"
	}
	return ""
}

// consecutive reports whether each digit of d is the previous one plus step, modulo 10
// (so 1234567890 and 0987654321 count).
func consecutive(d string, step int) bool {
	for i := 1; i < len(d); i++ {
		if (int(d[i]-'0')-int(d[i-1]-'0')-step+20)%10 != 0 {
			return false
		}
	}
	return true
}

// placeholderLocals are local parts that say "no email": noemail@dealer.com, none@none.com.
var placeholderLocals = map[string]bool{
	"noemail": true, "no-email": true, "no_email": true, "no.email": true, "nomail": true, "noemails": true,
	"none": true, "na": true, "n/a": true, "no": true, "null": true, "nil": true, "unknown": true,
	"declined": true, "refused": true, "donotemail": true, "dontemail": true, "noaddress": true,
	"noreply": true, "no-reply": true, "donotreply": true, "do-not-reply": true,
}

// placeholderDomains are domains that say "no email" whatever the local part.
var placeholderDomains = map[string]bool{
	"noemail.com": true, "nomail.com": true, "none.com": true, "noemail.net": true, "none.none": true,
}

// placeholderEmail says why a folded address is an obvious placeholder, or "" when it is
// not: a local part such as noemail, none or na, or a domain such as noemail.com.
func placeholderEmail(e string) string {
	local, domain, ok := strings.Cut(e, "@")
	switch {
	case !ok:
		return ""
	case placeholderLocals[local]:
		return "a placeholder email (" + local + "@)"
	case placeholderDomains[domain]:
		return "a placeholder email (@" + domain + ")"
	}
	return ""
}
