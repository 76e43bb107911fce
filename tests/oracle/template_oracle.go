// Template oracle: Go's text/template with Debian's sprig (HermeticTxtFuncMap) over Flux's v1
// commit-template data types. One JSON request per line in, one JSON answer per line out.
package main

import (
	"bufio"
	"encoding/json"
	"os"
	"strings"
	"text/template"

	sprig "github.com/Masterminds/sprig"
)

type NamespacedName struct{ Namespace, Name string }

func (n NamespacedName) String() string { return n.Namespace + "/" + n.Name }

type TypeMeta struct {
	APIVersion string
	Kind       string
}
type NameMeta struct {
	Name      string
	Namespace string
}
type ResourceIdentifier struct {
	TypeMeta
	NameMeta
}
type ObjectIdentifier struct{ ResourceIdentifier }
type Change struct{ OldValue, NewValue, Setter string }
type ObjectChanges map[ObjectIdentifier][]Change
type Result struct{ FileChanges map[string]ObjectChanges }

func (r Result) Changes() []Change {
	seen := map[Change]bool{}
	var out []Change
	for _, oc := range r.FileChanges {
		for _, cs := range oc {
			for _, c := range cs {
				if !seen[c] {
					seen[c] = true
					out = append(out, c)
				}
			}
		}
	}
	return out
}

func (r Result) Objects() map[ObjectIdentifier][]Change {
	out := map[ObjectIdentifier][]Change{}
	for _, oc := range r.FileChanges {
		for id, cs := range oc {
			out[id] = append(out[id], cs...)
		}
	}
	return out
}

type TemplateData struct {
	AutomationObject NamespacedName
	Changed          Result
	Values           map[string]string
}

type reqChange struct {
	File      string            `json:"file"`
	Object    map[string]string `json:"object"`
	OldValue  string            `json:"oldValue"`
	NewValue  string            `json:"newValue"`
	Setter    string            `json:"setter"`
}
type request struct {
	Template  string            `json:"template"`
	Namespace string            `json:"namespace"`
	Name      string            `json:"name"`
	Values    map[string]string `json:"values"`
	Changes   []reqChange       `json:"changes"`
}
type answer struct {
	Out string `json:"out"`
	Err string `json:"err,omitempty"`
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	enc := json.NewEncoder(os.Stdout)
	for in.Scan() {
		var q request
		var a answer
		if err := json.Unmarshal(in.Bytes(), &q); err != nil {
			a.Err = err.Error()
			enc.Encode(a)
			continue
		}
		data := TemplateData{AutomationObject: NamespacedName{q.Namespace, q.Name}, Values: q.Values,
			Changed: Result{FileChanges: map[string]ObjectChanges{}}}
		for _, c := range q.Changes {
			id := ObjectIdentifier{ResourceIdentifier{TypeMeta{c.Object["apiVersion"], c.Object["kind"]},
				NameMeta{c.Object["name"], c.Object["namespace"]}}}
			if data.Changed.FileChanges[c.File] == nil {
				data.Changed.FileChanges[c.File] = ObjectChanges{}
			}
			data.Changed.FileChanges[c.File][id] = append(data.Changed.FileChanges[c.File][id],
				Change{c.OldValue, c.NewValue, c.Setter})
		}
		t, err := template.New("commit message").Funcs(sprig.HermeticTxtFuncMap()).Parse(q.Template)
		if err != nil {
			a.Err = err.Error()
		} else {
			var b strings.Builder
			if err := t.Execute(&b, data); err != nil {
				a.Err = err.Error()
			}
			a.Out = b.String()
		}
		enc.Encode(a)
	}
}
