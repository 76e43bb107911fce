"""Go semantics re-implemented: RE2 regexps with Go's errors, time.ParseDuration, text/template + sprig."""
