// SPDX-License-Identifier: GPL-2.0
/*
 * vmalens: show how a live process's virtual address space is laid out.
 *
 * main() only parses the global options before the command, sets up JSON
 * output and hands the rest of the command line to cmd_select(), which
 * reads the command's options against its own table.
 */
#include <errno.h>
#include <getopt.h>
#include <string.h>

#include "lens.h"

/*
 * Every command prints through stdio, where a full disk or a closed file
 * shows only in the stream's error flag or when the buffer is flushed at
 * exit: checked here, once for all of them.  The message goes to stderr,
 * JSON or not, since stdout is what failed.
 */
static int close_stdout(int ret)
{
	bool failed = ferror(stdout);
	int err = 0;

	if (fflush(stdout)) {
		failed = true;
		err = errno;
	}
	if (fclose(stdout) && !err) {
		failed = true;
		err = errno;
	}
	if (!failed)
		return ret;
	json_output = false;
	p_err("cannot write the output: %s", err ? strerror(err) : "some of it was lost");
	return ret > output_lost_status ? ret : output_lost_status;
}

int main(int argc, char **argv)
{
	char *version_argv[] = { "version", NULL };
	bool help = false, version = false;
	int ret;

	ret = parse_global_opts(argc, argv, &help, &version);
	if (ret)
		return close_stdout(ret);
	argc -= optind;
	argv += optind;

	if (help && argc == 0) {
		print_usage(stdout);
		ret = EXIT_OK;
	} else if (help) {
		const struct cmd *cmd = cmd_find(main_cmds, argv[0]);

		if (cmd) {
			print_cmd_usage(stdout, cmd);
			ret = EXIT_OK;
		} else {
			ret = usage_err(NULL, "unknown command '%s'", argv[0]);
		}
	} else if (version && argc) {
		ret = usage_err(NULL, "--version takes no command");
	} else if (version) {
		ret = cmd_select(main_cmds, 1, version_argv);
	} else {
		ret = cmd_select(main_cmds, argc, argv);
	}

	if (json_wtr)
		jsonw_destroy(&json_wtr);
	return close_stdout(ret);
}
