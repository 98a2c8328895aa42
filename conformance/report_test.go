package conformance_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"flag"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/seoulid/seoulid/conformance"
)

var update = flag.Bool("update", false, "rewrite docs/conformance.md from the suites")

// TestProfile: docs/conformance.md is the profile the suites generate.
func TestProfile(t *testing.T) {
	var b bytes.Buffer
	if err := conformance.Profile(&b); err != nil {
		t.Fatal(err)
	}
	const file = "../docs/conformance.md"
	if *update {
		if err := os.WriteFile(file, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, b.Bytes()) {
		t.Errorf("%s is not the profile the suites generate: go test ./conformance -run TestProfile -update", file)
	}
	reqs, _ := conformance.Requirements()
	for _, r := range reqs {
		if !strings.Contains(string(got), "`"+r.ID+"`") {
			t.Errorf("the profile lacks %s", r.ID)
		}
	}
}

// The reports say what happened: JUnit XML that reads back with a failure,
// a skip and a pass, and JSON with the same.
func TestReports(t *testing.T) {
	at := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	reqs, err := conformance.Requirements("resolver")
	if err != nil || len(reqs) < 3 {
		t.Fatalf("%v %d", err, len(reqs))
	}
	results := []conformance.Result{
		{Requirement: reqs[0], Outcome: conformance.Pass, Duration: time.Millisecond},
		{Requirement: reqs[1], Outcome: conformance.Fail, Reason: "HTTP 500 text/plain \"boom\"", Duration: 2 * time.Millisecond},
		{Requirement: reqs[2], Outcome: conformance.Skip, Reason: "give a DID"},
	}
	var x bytes.Buffer
	if err := conformance.WriteJUnit(&x, at, results); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Suites []struct {
			Name     string `xml:"name,attr"`
			Tests    int    `xml:"tests,attr"`
			Failures int    `xml:"failures,attr"`
			Skipped  int    `xml:"skipped,attr"`
			Cases    []struct {
				Name    string `xml:"name,attr"`
				Failure *struct {
					Message string `xml:"message,attr"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(x.Bytes(), &doc); err != nil {
		t.Fatalf("%v\n%s", err, x.String())
	}
	if len(doc.Suites) != 1 || doc.Suites[0].Tests != 3 || doc.Suites[0].Failures != 1 || doc.Suites[0].Skipped != 1 {
		t.Fatalf("JUnit: %+v", doc)
	}
	if c := doc.Suites[0].Cases[1]; c.Name != reqs[1].ID || c.Failure == nil || !strings.Contains(c.Failure.Message, "HTTP 500") {
		t.Errorf("the failed case: %+v", c)
	}
	var j bytes.Buffer
	if err := conformance.WriteJSON(&j, "http://127.0.0.1:8400", at, results); err != nil {
		t.Fatal(err)
	}
	var out struct {
		Target  string
		Summary map[string]int
		Results []struct {
			ID, Outcome, Reason, Spec string
		}
	}
	if err := json.Unmarshal(j.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	if out.Summary["pass"] != 1 || out.Summary["fail"] != 1 || out.Summary["skip"] != 1 || len(out.Results) != 3 || out.Results[1].Spec == "" {
		t.Errorf("JSON: %+v", out)
	}
}
