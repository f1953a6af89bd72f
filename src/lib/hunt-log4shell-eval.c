/*
 * hunt-log4shell-eval.c - Log4j's lookup substitution, re-enacted safely.
 *
 * Log4j's StrSubstitutor finds "${", its matching "}" (counting nested
 * "${"), substitutes inside the variable first (innermost first), splits the
 * result at the first ":-" into name and default, asks the Interpolator
 * (prefix before the first ':', lower-cased; no prefix: the properties map),
 * takes the default when the lookup gives nothing, and evaluates the value
 * once more. "$${" is an escape: it yields "${" untouched in this pass, and
 * the pass that evaluates the value again sees it (CVE-2021-45105).
 *
 * Here lookups whose values are not known to a log reader (env, sys, ctx,
 * hostName...) give their default when they have one and otherwise stay as
 * written: "${env:AWS_SECRET_ACCESS_KEY}" in a callback name is what would be
 * exfiltrated. A jndi lookup is never evaluated; it is recorded in the
 * l4s_found and stays as written.
 *
 * Cost: brace matching is one O(n) pass per text (l4s_match), each nesting
 * level handles its bytes once, depth is capped at KB_L4S_MAX_DEPTH (value
 * re-evaluation counts as a level), outputs at KB_L4S_MAX_OUTPUT, and every
 * byte handled costs a step against KB_L4S_MAX_STEPS. Per-depth buffers are
 * reused from one expression to the next.
 */
#include "hunt-log4shell-internal.h"

#include <stdlib.h>
#include <string.h>

void l4s_eval_init(l4s_eval *ev)
{
	for (int d = 0; d <= KB_L4S_MAX_DEPTH; d++) {
		kb_buf_init(&ev->name[d], KB_L4S_MAX_OUTPUT);
		kb_buf_init(&ev->val[d], KB_L4S_MAX_OUTPUT);
		ev->match[d] = NULL;
	}
	ev->steps = 0;
	ev->found = NULL;
}

void l4s_eval_free(l4s_eval *ev)
{
	for (int d = 0; d <= KB_L4S_MAX_DEPTH; d++) {
		kb_buf_free(&ev->name[d]);
		kb_buf_free(&ev->val[d]);
		free(ev->match[d]);
		ev->match[d] = NULL;
	}
}

/* 0, STOP (a limit: stop evaluating, keep what was found) or KB_ENOMEM. */
#define STOP 1

static int put(l4s_found *f, kb_buf *out, const void *p, size_t n)
{
	int r = kb_buf_append(out, p, n);
	if (r == KB_ELIMIT) {
		f->limits |= KB_L4S_LIMIT_OUTPUT;
		return STOP;
	}
	return r;
}

static bool prefix_is(const char *pfx, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(pfx, *list) == 0)
			return true;
	return false;
}

/* Lookups that read the environment or the event: unknown to us, so
 * their default when they have one, else they stay as written. */
static const char *const data_lookups[] = {
	"env", "sys", "main", "spring", "k8s", "docker", "ctx", "web", "bundle", "jvmrunargs",
	"java", "log4j", "marker", "sd", "map", "event", "kubernetes", NULL};
static const char *const t4s_lookups[] = {"script", "url", "dns", NULL};

static int eval_range(l4s_eval *ev, const uint8_t *s, const uint32_t *match, size_t lo,
                      size_t hi, int depth, kb_buf *out, l4s_found *f);

/* Evaluate a value that holds "${" once more, one level down. */
static int reevaluate(l4s_eval *ev, const uint8_t *v, size_t n, int depth, kb_buf *out,
                      l4s_found *f)
{
	if (depth + 1 > KB_L4S_MAX_DEPTH) {
		f->limits |= KB_L4S_LIMIT_DEPTH;
		return put(f, out, v, n);
	}
	if (!ev->match[depth]) {
		ev->match[depth] = malloc(KB_L4S_MAX_OUTPUT * sizeof(uint32_t));
		if (!ev->match[depth])
			return KB_ENOMEM;
	}
	if (f->escape_seen) {
		f->recursion = true;
		f->tags |= KB_L4S_T_RECURSION;
	}
	/* n <= KB_L4S_MAX_OUTPUT: values live in bounded buffers or in the text. */
	if (n > KB_L4S_MAX_OUTPUT) {
		f->limits |= KB_L4S_LIMIT_OUTPUT;
		return STOP;
	}
	l4s_match(v, n, ev->match[depth]);
	ev->steps += n;
	return eval_range(ev, v, ev->match[depth], 0, n, depth + 1, out, f);
}

static int keep(kb_buf *out, l4s_found *f, const char *e, size_t n)
{
	int r = put(f, out, "${", 2);
	if (r == 0)
		r = put(f, out, e, n);
	if (r == 0)
		r = put(f, out, "}", 1);
	return r;
}

/* SimpleDateFormat as far as letters go: quoted text is literal, '' is a
 * quote, pattern letters give digits. */
static int date_format(const char *p, size_t n, kb_buf *v)
{
	bool quoted = false;
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		int r;
		if (c == '\'') {
			if (i + 1 < n && p[i + 1] == '\'') {
				r = kb_buf_putc(v, '\'');
				i++;
			} else {
				quoted = !quoted;
				continue;
			}
		} else if (!quoted && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) {
			r = kb_buf_putc(v, '0');
		} else {
			r = kb_buf_putc(v, c);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

/* The evaluated variable e[0..n): resolve it and write its value to out. */
static int resolve(l4s_eval *ev, const char *e, size_t n, int depth, kb_buf *out, l4s_found *f)
{
	size_t namelen = n;
	const char *def = NULL;
	size_t deflen = 0;
	for (size_t k = 0; k + 1 < n; k++)
		if (e[k] == ':' && e[k + 1] == '-') {
			namelen = k;
			def = e + k + 2;
			deflen = n - k - 2;
			break;
		}
	ev->steps += n;

	const char *colon = memchr(e, ':', namelen);
	const char *value = NULL;
	size_t vlen = 0;
	kb_buf *vb = &ev->val[depth];
	kb_buf_reset(vb);

	if (colon) {
		char pfx[16];
		size_t pl = (size_t)(colon - e);
		bool upper_seen = false;
		if (pl < sizeof pfx) {
			for (size_t k = 0; k < pl; k++) {
				char c = e[k];
				if (c >= 'A' && c <= 'Z') {
					c = (char)(c + 32);
					upper_seen = true;
				}
				pfx[k] = c;
			}
			pfx[pl] = '\0';
		} else {
			pfx[0] = '\0';
			pl = SIZE_MAX;
		}
		const char *rest = colon + 1;
		size_t rl = namelen - (size_t)(rest - e);
		if (pl == SIZE_MAX) {
			/* a prefix no lookup has */
		} else if (strcmp(pfx, "jndi") == 0) {
			char proto[16];
			if (l4s_jndi_protocol(rest, rl, proto)) {
				f->jndi = true;
				for (size_t k = 0; k < strlen(proto); k++)
					if (rest[k] >= 'A' && rest[k] <= 'Z')
						upper_seen = true;
				if (upper_seen)
					f->tags |= KB_L4S_T_CASE;
				kb_buf_reset(&f->name);
				if (kb_buf_append(&f->name, rest, rl) < 0)
					f->limits |= KB_L4S_LIMIT_OUTPUT;
			}
			return keep(out, f, e, n);
		} else if (strcmp(pfx, "lower") == 0 || strcmp(pfx, "upper") == 0) {
			bool folded = false;
			f->tags |= KB_L4S_T_LOWER_UPPER;
			int r = l4s_case_map((const uint8_t *)rest, rl, pfx[0] == 'u', vb, &folded);
			if (r == KB_ELIMIT) {
				f->limits |= KB_L4S_LIMIT_OUTPUT;
				return STOP;
			}
			if (folded)
				f->tags |= KB_L4S_T_UNICODE_FOLD;
			value = vb->data ? vb->data : "";
			vlen = vb->len;
		} else if (strcmp(pfx, "date") == 0) {
			f->tags |= KB_L4S_T_DATE;
			if (date_format(rest, rl, vb) < 0) {
				f->limits |= KB_L4S_LIMIT_OUTPUT;
				return STOP;
			}
			value = vb->data ? vb->data : "";
			vlen = vb->len;
		} else if (strcmp(pfx, "base64") == 0) {
			f->tags |= KB_L4S_T_BASE64_LOOKUP;
			uint8_t *tmp = malloc(rl * 3 / 4 + 4);
			if (!tmp)
				return KB_ENOMEM;
			size_t dl = l4s_b64_decode((const uint8_t *)rest, rl, tmp, NULL);
			int r = kb_buf_append(vb, tmp, dl);
			free(tmp);
			if (r < 0) {
				f->limits |= KB_L4S_LIMIT_OUTPUT;
				return STOP;
			}
			value = vb->data ? vb->data : "";
			vlen = vb->len;
		} else if (prefix_is(pfx, t4s_lookups)) {
			bool hit = false;
			if (pfx[0] == 's')
				hit = memchr(rest, ':', rl) != NULL;
			else if (pfx[0] == 'u')
				hit = rl > 3 && memchr(rest, ':', rl) != NULL && memchr(rest, '/', rl) != NULL;
			else
				hit = memchr(rest, '|', rl) != NULL;
			if (hit) {
				f->t4s = true;
				memcpy(f->t4s_kind, pfx, strlen(pfx) + 1);
				kb_buf_reset(&f->name);
				if (kb_buf_append(&f->name, rest, rl) < 0)
					f->limits |= KB_L4S_LIMIT_OUTPUT;
				return keep(out, f, e, n);
			}
		} else if (prefix_is(pfx, data_lookups)) {
			if (!def)
				return keep(out, f, e, n);
			f->tags |= KB_L4S_T_ENV_DEFAULT;
			value = def;
			vlen = deflen;
		}
	}
	if (!value) {
		if (!def)
			return keep(out, f, e, n);
		f->tags |= KB_L4S_T_DEFAULT;
		value = def;
		vlen = deflen;
	}
	if (vlen >= 2 && memmem(value, vlen, "${", 2))
		return reevaluate(ev, (const uint8_t *)value, vlen, depth, out, f);
	return put(f, out, value, vlen);
}

static int eval_range(l4s_eval *ev, const uint8_t *s, const uint32_t *match, size_t lo,
                      size_t hi, int depth, kb_buf *out, l4s_found *f)
{
	size_t i = lo;
	while (i < hi) {
		const uint8_t *d = memchr(s + i, '$', hi - i);
		size_t p = d ? (size_t)(d - s) : hi;
		ev->steps += p - i + 1;
		if (ev->steps > KB_L4S_MAX_STEPS) {
			f->limits |= KB_L4S_LIMIT_STEPS;
			return STOP;
		}
		int r = put(f, out, s + i, p - i);
		if (r)
			return r;
		i = p;
		if (i >= hi)
			break;
		if (i + 2 < hi && s[i + 1] == '$' && s[i + 2] == '{') {
			f->escape_seen = true;
			if ((r = put(f, out, "${", 2)))
				return r;
			i += 3;
			continue;
		}
		uint32_t j = match[i];
		if (i + 1 >= hi || s[i + 1] != '{' || j == L4S_NO_MATCH || j >= hi) {
			if ((r = put(f, out, "$", 1)))
				return r;
			i++;
			continue;
		}
		if (j - i + 1 > KB_L4S_MAX_EXPR || depth >= KB_L4S_MAX_DEPTH) {
			f->limits |= j - i + 1 > KB_L4S_MAX_EXPR ? KB_L4S_LIMIT_EXPR : KB_L4S_LIMIT_DEPTH;
			if ((r = put(f, out, s + i, j + 1 - i)))
				return r;
			i = j + 1;
			continue;
		}
		if (depth > 0)
			f->tags |= KB_L4S_T_NESTED;
		kb_buf *nm = &ev->name[depth];
		kb_buf_reset(nm);
		r = eval_range(ev, s, match, i + 2, j, depth + 1, nm, f);
		if (r == 0)
			r = resolve(ev, nm->data ? nm->data : "", nm->len, depth, out, f);
		if (r)
			return r;
		i = j + 1;
	}
	return 0;
}

int l4s_eval_text(l4s_eval *ev, const uint8_t *s, const uint32_t *match, size_t lo, size_t hi,
                  kb_buf *out, l4s_found *f)
{
	int r = eval_range(ev, s, match, lo, hi, 0, out, f);
	return r == KB_ENOMEM ? r : 0;
}
