#!/usr/bin/env python3
"""Check Prometheus text exposition (format 0.0.4) read from a file or stdin.

Checks the metric and label name grammar, HELP/TYPE at most once per family
and before its samples, each family's samples contiguous, label value
escapes (only \\\\, \\" and \\n), no two samples with one name and label
set, counters named *_total, values Go's ParseFloat takes (+Inf, -Inf,
NaN), and that the text is UTF-8 ending in a newline.  Prints each problem
as "line N: what" and exits 1 if any.
"""
import re
import sys

METRIC = re.compile(r'[a-zA-Z_:][a-zA-Z0-9_:]*')
LABEL = re.compile(r'[a-zA-Z_][a-zA-Z0-9_]*')
FLOAT = re.compile(r'[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?'
                   r'|Inf|inf)$')
TYPES = ('counter', 'gauge', 'histogram', 'summary', 'untyped')


def family_of(name, types):
    """The family a sample belongs to (histogram/summary suffixes)."""
    for suf in ('_bucket', '_count', '_sum'):
        if name.endswith(suf) and types.get(name[:-len(suf)]) in (
                'histogram', 'summary'):
            return name[:-len(suf)]
    return name


def parse_labels(s, i, err):
    """Labels from s[i] (just past '{'): (dict, index past '}')."""
    labels = {}
    while True:
        while i < len(s) and s[i] in ' \t':
            i += 1
        if i < len(s) and s[i] == '}':
            return labels, i + 1
        m = LABEL.match(s, i)
        if not m:
            err('bad label name at %r' % s[i:i + 20])
            return None, None
        name = m.group(0)
        if name.startswith('__'):
            err('reserved label name %s' % name)
        i = m.end()
        while i < len(s) and s[i] in ' \t':
            i += 1
        if i + 1 >= len(s) or s[i] != '=' or s[i + 1] != '"':
            err('label %s: no ="' % name)
            return None, None
        i += 2
        val = []
        while True:
            if i >= len(s):
                err('label %s: unterminated value' % name)
                return None, None
            c = s[i]
            if c == '\\':
                if i + 1 >= len(s) or s[i + 1] not in '\\"n':
                    err('label %s: bad escape %r' % (name, s[i:i + 2]))
                    return None, None
                val.append({'\\': '\\', '"': '"', 'n': '\n'}[s[i + 1]])
                i += 2
                continue
            if c == '"':
                i += 1
                break
            if c == '\n':
                err('label %s: raw newline' % name)
            val.append(c)
            i += 1
        if name in labels:
            err('label %s twice' % name)
        labels[name] = ''.join(val)
        while i < len(s) and s[i] in ' \t':
            i += 1
        if i < len(s) and s[i] == ',':
            i += 1
            continue
        if i < len(s) and s[i] == '}':
            return labels, i + 1
        err('label %s: expected , or }' % name)
        return None, None


def check(data):
    problems = []
    try:
        text = data.decode('utf-8')
    except UnicodeDecodeError as e:
        return ['not UTF-8: %s' % e]
    if text and not text.endswith('\n'):
        problems.append('no final newline')
    help_seen, type_seen, types = {}, {}, {}
    done = set()        # families whose samples are over
    current = None
    series = {}
    for n, line in enumerate(text.split('\n')[:-1] if text else [], 1):
        def err(what, n=n):
            problems.append('line %d: %s' % (n, what))
        if line.strip() == '':
            continue
        if line.startswith('#'):
            parts = line.split(None, 3)
            if len(parts) >= 3 and parts[1] in ('HELP', 'TYPE'):
                name = parts[2]
                if not METRIC.fullmatch(name):
                    err('bad metric name %r' % name)
                seen = help_seen if parts[1] == 'HELP' else type_seen
                if name in seen:
                    err('second %s for %s (line %d)' % (parts[1], name,
                                                         seen[name]))
                seen[name] = n
                if name in done or name == current:
                    err('%s for %s after its samples' % (parts[1], name))
                if parts[1] == 'TYPE':
                    t = parts[3] if len(parts) > 3 else ''
                    if t not in TYPES:
                        err('bad type %r' % t)
                    types[name] = t
                    if t == 'counter' and not name.endswith('_total'):
                        err('counter %s not named *_total' % name)
                else:
                    h = parts[3] if len(parts) > 3 else ''
                    if re.search(r'\\[^\\n]|\\$', h):
                        err('HELP %s: bad escape' % name)
            continue
        m = METRIC.match(line)
        if not m:
            err('bad metric name at %r' % line[:30])
            continue
        name = m.group(0)
        i = m.end()
        labels = {}
        if i < len(line) and line[i] == '{':
            labels, i = parse_labels(line, i + 1, err)
            if labels is None:
                continue
        rest = line[i:]
        if not rest.startswith((' ', '\t')):
            err('%s: no blank before the value' % name)
            continue
        fields = rest.split()
        if len(fields) not in (1, 2):
            err('%s: %d fields after the labels' % (name, len(fields)))
            continue
        if not (FLOAT.match(fields[0]) or fields[0] == 'NaN'):
            err('%s: bad value %r' % (name, fields[0]))
        if len(fields) == 2 and not re.fullmatch(r'-?[0-9]+', fields[1]):
            err('%s: bad timestamp %r' % (name, fields[1]))
        fam = family_of(name, types)
        if fam != current:
            if fam in done:
                err('%s: samples of the family not contiguous' % fam)
            if current is not None:
                done.add(current)
            current = fam
        key = (name, tuple(sorted(labels.items())))
        if key in series:
            err('%s%s: duplicate series (line %d)' % (name, labels,
                                                       series[key]))
        series[key] = n
        if types.get(fam) == 'counter' and fields[0].startswith('-'):
            err('%s: negative counter' % name)
    return problems


def main():
    if len(sys.argv) > 1:
        with open(sys.argv[1], 'rb') as f:
            data = f.read()
    else:
        data = sys.stdin.buffer.read()
    problems = check(data)
    for p in problems:
        print(p)
    sys.exit(1 if problems else 0)


if __name__ == '__main__':
    main()
