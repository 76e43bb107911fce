// Go reference for the selection benchmark: the same 100,000 tags through RE2 filter + extract +
// Masterminds semver, the way image-reflector-controller does it. Prints the winner and seconds.
package main

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	semver "github.com/Masterminds/semver"
)

func main() {
	var tags []string
	for a := 0; a < 40; a++ {
		for b := 0; b < 50; b++ {
			for c := 0; c < 50; c++ {
				tags = append(tags, fmt.Sprintf("v%d.%d.%d", a, b, c))
			}
		}
	}
	start := time.Now()
	sort.Sort(sort.Reverse(sort.StringSlice(tags)))
	re := regexp.MustCompile(`^v(?P<v>[0-9]+\.[0-9]+\.[0-9]+)$`)
	filtered := map[string]string{}
	for _, t := range tags {
		if m := re.FindStringSubmatchIndex(t); m != nil {
			filtered[string(re.ExpandString(nil, "$v", t, m))] = t
		}
	}
	c, _ := semver.NewConstraint(">=1.0.0 <30.0.0")
	var best *semver.Version
	bestTag := ""
	for v := range filtered {
		if len(strings.SplitN(v, ".", 3)) != 3 {
			continue
		}
		sv, err := semver.NewVersion(v)
		if err == nil && c.Check(sv) && (best == nil || sv.GreaterThan(best)) {
			best, bestTag = sv, filtered[v]
		}
	}
	fmt.Printf("%s %.3f\n", bestTag, time.Since(start).Seconds())
}
