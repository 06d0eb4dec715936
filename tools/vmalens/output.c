// SPDX-License-Identifier: GPL-2.0
/*
 * What every command's output shares: the error path, notes, the output
 * mode, and the helpers of plain text (escaped names, sizes, address
 * widths); and reading a whole file.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lens.h"

int output_lost_status = EXIT_ERR;
bool json_output;
bool pretty_output;
bool quiet;
json_writer_t *json_wtr;

/*
 * The one error function: "Error: ..." on stderr, or {"error": "..."} on
 * stdout with --json so that a consumer always gets a JSON document.
 */
void p_err(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	if (json_output) {
		json_writer_t *w = json_wtr ? json_wtr : jsonw_new(stdout);

		if (!w) {
			fprintf(stderr, "Error: %s\n", msg);
			return;
		}
		jsonw_pretty(w, pretty_output);
		jsonw_start_object(w);
		jsonw_string_field(w, "error", msg);
		jsonw_end_object(w);
		if (!json_wtr)
			jsonw_destroy(&w);
	} else {
		fprintf(stderr, "Error: %s\n", msg);
	}
}

/* "note: ..." on stderr, with --json too; nothing with --quiet. */
void p_note(const char *fmt, ...)
{
	va_list ap;

	if (quiet)
		return;
	va_start(ap, fmt);
	fputs("note: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

const char *plain_str(const char *s, char *buf, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t used = 0;

	for (; *p; p++) {
		bool esc = *p < 0x20 || *p == 0x7f || *p == '\\';

		if (used + (esc ? 4 : 1) >= len)
			break;
		if (esc)
			used += snprintf(buf + used, len - used, "\\%03o", *p);
		else
			buf[used++] = *p;
	}
	buf[used] = '\0';
	return buf;
}

const char *human_size(unsigned long long bytes, char *buf, size_t len)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double v = bytes;
	int i = 0;

	while (v >= 1024 && i < 6) {
		v /= 1024;
		i++;
	}
	if (i == 0)
		snprintf(buf, len, "%llu B", bytes);
	else
		snprintf(buf, len, "%.1f %s", v, unit[i]);
	return buf;
}

const char *size_str(uint64_t bytes, char *buf, size_t len)
{
	if (!lopt.bytes)
		return human_size(bytes, buf, len);
	snprintf(buf, len, "%" PRIu64, bytes);
	return buf;
}

int addr_digits(uint64_t top)
{
	if (top <= 1ULL << 48)
		return 12;
	return top <= 1ULL << 56 ? 14 : 16;
}

char *read_all(int fd, int *err)
{
	size_t len = 0, cap = 16384;
	char *buf = malloc(cap), *tmp;
	ssize_t n;

	while (buf) {
		if (cap - len < 4096) {
			tmp = realloc(buf, cap * 2);
			if (!tmp)
				break;
			buf = tmp;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*err = errno;
			free(buf);
			return NULL;
		}
		if (n == 0) {
			buf[len] = '\0';
			return buf;
		}
		len += n;
	}
	free(buf);
	*err = ENOMEM;
	return NULL;
}
