package topt

// #include "raw.h"
import "C"

import "encoding/json"

// SanitizeLabel is the label fragment of a module name ("github.com/a/b" -> "github_com_a_b"),
// exactly as topt sync computes it before de-duplication.
func SanitizeLabel(name string) (string, error) {
	out, err := jsonCall(name, func(in *C.char, out *C.topt_Bytes) *C.topt_Error {
		return C.raw_label_sanitize(in, out)
	})
	return string(out), err
}

// DedupLabels de-duplicates keys in order (["a", "a"] -> ["a", "a_2"]).
func DedupLabels(keys []string) ([]string, error) {
	if keys == nil {
		keys = []string{}
	}
	in, err := json.Marshal(keys)
	if err != nil {
		return nil, err
	}
	out, err := jsonCall(string(in), func(in *C.char, out *C.topt_Bytes) *C.topt_Error {
		return C.raw_label_dedup(in, out)
	})
	if err != nil {
		return nil, err
	}
	var labels []string
	return labels, json.Unmarshal(out, &labels)
}

// LabelSources are the module names each synced source knows.
type LabelSources struct {
	KnownTests     []string `json:"known_tests,omitempty"`
	TestManagement []string `json:"test_management,omitempty"`
	FlakyTests     []string `json:"flaky_tests,omitempty"`
}

// LabelMap is the label of every module over the union of sources.
func LabelMap(sources LabelSources) (map[string]string, error) {
	in, err := json.Marshal(sources)
	if err != nil {
		return nil, err
	}
	out, err := jsonCall(string(in), func(in *C.char, out *C.topt_Bytes) *C.topt_Error {
		return C.raw_label_map(in, out)
	})
	if err != nil {
		return nil, err
	}
	var labels map[string]string
	return labels, json.Unmarshal(out, &labels)
}
