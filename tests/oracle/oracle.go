// Differential oracle for kubectl-imagewatch tests: Go's regexp and strconv, Masterminds/semver
// (Debian's 3.2.0; see test_oracle.py for the documented 3.2-vs-3.5 exceptions).
// Reads one JSON query per line on stdin, writes one JSON answer per line.
package main

import (
	"bufio"
	"encoding/json"
	"os"
	"regexp"
	"strconv"
	"strings"

	semver "github.com/Masterminds/semver"
)

type query struct {
	Op       string `json:"op"`
	Range    string `json:"range"`
	Version  string `json:"version"`
	Pattern  string `json:"pattern"`
	Template string `json:"template"`
	Tag      string `json:"tag"`
	Value    string `json:"value"`
	N        int    `json:"n"`
}

type answer struct {
	OK     bool    `json:"ok"`
	Err    string  `json:"err,omitempty"`
	Result string  `json:"result,omitempty"`
	Match  bool    `json:"match"`
	Float  float64 `json:"float,omitempty"`
	// findall: FindAllString(tag, n), ReplaceAllString(tag, template), Split(tag, n)
	All      []string `json:"all"`
	Replaced string   `json:"replaced"`
	Split    []string `json:"split"`
}

func parseVersion(s string) (*semver.Version, error) {
	if len(strings.SplitN(s, ".", 3)) != 3 {
		return nil, strconv.ErrSyntax
	}
	return semver.NewVersion(s)
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	out := bufio.NewWriter(os.Stdout)
	enc := json.NewEncoder(out)
	for in.Scan() {
		var q query
		var a answer
		if err := json.Unmarshal(in.Bytes(), &q); err != nil {
			a.Err = err.Error()
			enc.Encode(a)
			continue
		}
		switch q.Op {
		case "range":
			c, err := semver.NewConstraint(q.Range)
			if err != nil {
				a.Err = err.Error()
				break
			}
			a.OK = true
			if v, err := parseVersion(q.Version); err == nil {
				a.Match = c.Check(v)
				a.Result = "version"
			}
		case "version":
			if v, err := parseVersion(q.Version); err == nil {
				a.OK = true
				a.Result = v.String()
			}
		case "regexp":
			r, err := regexp.Compile(q.Pattern)
			if err != nil {
				a.Err = err.Error()
				break
			}
			a.OK = true
			m := r.FindStringSubmatchIndex(q.Tag)
			if m != nil {
				a.Match = true
				a.Result = string(r.ExpandString(nil, q.Template, q.Tag, m))
			}
		case "findall":
			r, err := regexp.Compile(q.Pattern)
			if err != nil {
				a.Err = err.Error()
				break
			}
			a.OK = true
			a.All = r.FindAllString(q.Tag, q.N)
			a.Replaced = r.ReplaceAllString(q.Tag, q.Template)
			a.Split = r.Split(q.Tag, q.N)
		case "float":
			f, err := strconv.ParseFloat(q.Value, 64)
			if err == nil {
				a.OK = true
				if f == f && f < 1e308 && f > -1e308 {
					a.Float = f
				}
			}
		}
		enc.Encode(a)
		out.Flush()
	}
}
