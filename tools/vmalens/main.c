// SPDX-License-Identifier: GPL-2.0
/*
 * vmalens: show how a live process's virtual address space is laid out.
 *
 * main() only parses the global options before the command, sets up JSON
 * output and hands the rest of the command line to cmd_select(), which
 * reads the command's options against its own table.
 */
#include <getopt.h>

#include "lens.h"
#include "main.h"

int main(int argc, char **argv)
{
	char *version_argv[] = { "version", NULL };
	bool help = false, version = false;
	int ret;

	ret = parse_global_opts(argc, argv, &help, &version);
	if (ret)
		return ret;
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
	return ret;
}
