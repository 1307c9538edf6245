package logmask

import "testing"

func TestMaskFreeText(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		// identifiers, times and addresses stay as they are
		{"uuid", "customer 9fa47fcb-49b0-128c-94e8-0c1234562761 merged", "customer 9fa47fcb-49b0-128c-94e8-0c1234562761 merged"},
		{"department uuid", "department 12345678-1234-4234-8234-123456789012", "department 12345678-1234-4234-8234-123456789012"},
		{"kafka member id", "member leadworker-7-2125550199-5b3c9e4d-1f2a-4e6b-9c8d-123456789012 joined", "member leadworker-7-2125550199-5b3c9e4d-1f2a-4e6b-9c8d-123456789012 joined"},
		{"event id", "event lead-2026-11-20-000123 done", "event lead-2026-11-20-000123 done"},
		{"event id with a phone-like tail", "event lead-2125550199", "event lead-2125550199"},
		{"lead id", "lead US000000111199002 saved", "lead US000000111199002 saved"},
		{"numeric lead id", "lead 000000111199002 saved", "lead 000000111199002 saved"},
		{"rfc3339 timestamp", "at 2026-11-20T10:11:12.123456789Z", "at 2026-11-20T10:11:12.123456789Z"},
		{"date and time", "at 2026-11-20 10:11:12.2125550199", "at 2026-11-20 10:11:12.2125550199"},
		{"unix seconds", "expires 1763633472", "expires 1763633472"},
		{"duration", "took 1.234567890123s", "took 1.234567890123s"},
		{"short duration", "took 2.125550199s", "took 2.125550199s"},
		{"ip and port", "lookup broker on 192.168.65.5:53: no such host", "lookup broker on 192.168.65.5:53: no such host"},
		{"ip address", "dial 10.100.125.153", "dial 10.100.125.153"},
		{"host and port", "dial broker-2125550199.internal:9092", "dial broker-2125550199.internal:9092"},
		{"trace id", "trace 4bf92f3577b34da6a3ce929d0e0e4736 span 2125550199abcdef", "trace 4bf92f3577b34da6a3ce929d0e0e4736 span 2125550199abcdef"},
		{"offset", "offset 12345", "offset 12345"},
		{"long digit run", "id 12125550199123", "id 12125550199123"},
		// personal data is masked
		{"dashed phone", "call 989-136-1006 now", "call ***1006 now"},
		{"slashed phone", "phone 989/136/1006", "phone ***1006"},
		{"underscored phone", "phone 989_136_1006", "phone ***1006"},
		{"dotted phone", "phone +1 989.136.1006.", "phone ***1006."},
		{"fullwidth phone", "phone ９８９１３６１００６ rejected", "phone ***1006 rejected"},
		{"plus one", "+19891361006", "***1006"},
		{"parenthesised", "(415) 555-0142", "***0142"},
		{"bare digits", "search 3125550199 failed", "search ***0199 failed"},
		{"after an equals sign", "phone=9891361006", "phone=***1006"},
		{"in json", `{"phoneNumber":"989-136-1006"}`, `{"phoneNumber":"***1006"}`},
		{"email", "john.doe@example.com", "jo***@example.com"},
		{"short email", "a@b.co and 9891361006", "a***@b.co and ***1006"},
		{"idn email", "customer anna@exämple.com", "customer an***@exämple.com"},
		{"quoted local part", `to "john doe"@example.com failed`, "to jo***@example.com failed"},
		{"percent-encoded", "GET /search?q=john%40example.com", "GET /search?q=jo***%40example.com"},
		{"fullwidth at sign", "john＠example.com", "jo***@example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := maskFreeText(tt.in); got != tt.want {
				t.Errorf("maskFreeText(%q) = %q; want %q", tt.in, got, tt.want)
			}
		})
	}
}
