package schemas_test

import (
	"errors"
	"fmt"

	"github.com/leadworker/leadworker/schemas"
)

func ExampleDecode() {
	ev, err := schemas.Decode([]byte(`{
		"eventId": "lead-1",
		"eventType": "lead",
		"occurredAt": "2024-06-08T11:00:00Z",
		"departmentUuid": "dept-1",
		"dealerUuid": "dealer-1",
		"lead": {
			"customer": {"lastName": "Doe", "phoneNumbers": [{"phoneNumber": "(989) 136-1006"}]},
			"dealerDetails": {"source": "MMC"},
			"services": [{"code": "SVC-A", "name": "Service A"}],
			"status": "NEW",
			"lastContactDate": "2024-06-08 11:00:00Z",
			"leadType": "RECALL"
		}
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(ev.EventType, ev.EventID, ev.Lead.LeadType, ev.Lead.Customer.LastName)

	_, err = schemas.Decode([]byte(`{
		"eventId": "lead-2",
		"eventType": "lead",
		"occurredAt": "2024-06-08T11:00:00Z",
		"departmentUuid": "dept-1",
		"dealerUuid": "dealer-1",
		"lead": {
			"customer": {},
			"dealerDetails": {"source": "MMC"},
			"services": [{"code": "SVC-A", "name": "Service A"}],
			"status": "OPEN",
			"lastContactDate": "2024-06-08 11:00:00Z"
		}
	}`))
	fmt.Println(errors.Is(err, schemas.ErrInvalid))
	fmt.Println(err)
	// Output:
	// lead lead-1 RECALL Doe
	// true
	// /lead/leadType: missing property; /lead/status: value must be "NEW"
}
