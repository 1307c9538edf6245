package mykaarma_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/leadworker/leadworker/mykaarma"
)

// TestRedactsEchoedSecrets has a server echo the password and the Basic token in the forms a
// JSON encoder, a URL, an HTML page or a Basic header would carry them, and checks that no part
// of the error keeps any of them, whole or in part.
func TestRedactsEchoedSecrets(t *testing.T) {
	t.Parallel()
	const (
		user = "svc-leadworker"
		pass = `pa<ss>"w0rd&x`
	)
	token := base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
	passB64 := base64.StdEncoding.EncodeToString([]byte(pass))
	// Every form must be absent from every part of the error.
	leaks := []string{
		pass,
		`pa\u003css\u003e\"w0rd\u0026x`, // Go's HTML-safe JSON
		`pa<ss>\"w0rd&x`,                // plain JSON
		`pa%3Css%3E%22w0rd%26x`,         // url.QueryEscape
		`pa%3Css%3E%22w0rd&x`,           // url.PathEscape
		`pa&lt;ss&gt;&#34;w0rd&amp;x`,   // html.EscapeString
		passB64,
		strings.TrimRight(passB64, "="),
		token,
		"pa<ss", `pa\u003css`, "pa%3Css", // the start of a secret cut at a limit
	}
	pad := func(n int) string { return strings.Repeat("x", n) }
	tests := []struct {
		name     string
		status   int
		body     string
		maxBytes int64
	}{
		{name: "literal in message", status: 400, body: `{"message":"bad password ` + strings.ReplaceAll(pass, `"`, `\"`) + `"}`},
		{name: "html-safe json escape", status: 500, body: `{"message":"login failed","echo":"pa\u003css\u003e\"w0rd\u0026x"}`},
		{name: "plain json escape", status: 500, body: `{"message":"login failed","echo":"pa<ss>\"w0rd&x"}`},
		{name: "query escape", status: 502, body: `<a href="/login?user=svc&password=pa%3Css%3E%22w0rd%26x">retry</a>`},
		{name: "path escape", status: 404, body: `{"message":"no route /u/pa%3Css%3E%22w0rd&x"}`},
		{name: "html escape", status: 200, body: `<html><input value="pa&lt;ss&gt;&#34;w0rd&amp;x"></html>`},
		{name: "base64 password", status: 401, body: `{"message":"bad credential ` + passB64 + `"}`},
		{name: "basic token", status: 403, body: `<pre>Authorization: Basic ` + token + `</pre>`},
		{name: "basic token in errors list", status: 200, body: `{"errors":[{"errorCode":1,"errorTitle":"auth ` + token + `","errorMessage":"Basic ` + token + `"}]}`},
		{name: "password in lead error", status: 400, body: `{"error":{"errorCode":"E1","errorDescription":"echo pa\u003css\u003e\"w0rd\u0026x"}}`},
		{name: "json escape straddles the 1 KiB body cut", status: 500,
			body: `{"message":"x","pad":"` + pad(1024-len(`{"message":"x","pad":"`)-8) + `pa\u003css\u003e\"w0rd\u0026x"}`},
		{name: "password straddles the 1 KiB body cut", status: 503, body: pad(1020) + pass + pad(100)},
		{name: "token straddles the 1 KiB body cut", status: 503, body: pad(1000) + token + pad(100)},
		{name: "password straddles MaxResponseBytes", status: 502, body: pad(95) + pass + pad(100), maxBytes: 100},
		{name: "json escape straddles MaxResponseBytes", status: 502, body: pad(90) + `pa\u003css\u003e\"w0rd\u0026x`, maxBytes: 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				fmt.Fprint(w, tt.body)
			}))
			t.Cleanup(srv.Close)
			c, err := mykaarma.New(srv.URL, mykaarma.Options{Username: user, Password: pass, Timeout: 5 * time.Second, MaxResponseBytes: tt.maxBytes})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.SearchCustomers(context.Background(), "dept-1", "x", 1)
			e, ok := err.(*mykaarma.Error)
			if !ok {
				t.Fatalf("SearchCustomers error = %v; want a *mykaarma.Error", err)
			}
			parts := map[string]string{"Error()": e.Error(), "Body": string(e.Body), "Message": e.Message}
			for i, p := range e.Problems {
				parts[fmt.Sprintf("Problems[%d]", i)] = p.Title + " " + p.Message
			}
			if e.Lead != nil {
				parts["Lead"] = string(e.Lead.Code) + " " + e.Lead.Description + " " + e.Lead.UID
			}
			for name, text := range parts {
				for _, leak := range leaks {
					if strings.Contains(text, leak) {
						t.Errorf("%s = %q; contains %q", name, text, leak)
					}
				}
			}
			for _, leak := range leaks[:9] { // a cut may leave the start of a form at the end of Body
				if strings.Contains(string(e.Body), leak[:4]) {
					t.Errorf("Body = %q; contains %q, the start of %q", e.Body, leak[:4], leak)
				}
			}
			if len(e.Body) > 1024 {
				t.Errorf("len(Body) = %d; want at most 1024", len(e.Body))
			}
			if tt.maxBytes > 0 && int64(len(e.Body)) > tt.maxBytes {
				t.Errorf("len(Body) = %d; want at most MaxResponseBytes %d", len(e.Body), tt.maxBytes)
			}
		})
	}
}
