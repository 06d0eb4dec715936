// SPDX-License-Identifier: GPL-2.0
/*
 * vmalens: show how a live process's virtual address space is laid out.
 *
 * main() only parses the global options, sets up JSON output and hands
 * the rest of the command line to cmd_select().
 */
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "lens.h"
#include "main.h"

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "json",	no_argument, NULL, 'j' },
		{ "pretty",	no_argument, NULL, 'p' },
		{ "help",	no_argument, NULL, 'h' },
		{ "version",	no_argument, NULL, 'V' },
		/* vmalens aslr's: getopt permutes them out of its way too */
		{ "samples",	required_argument, NULL, 's' },
		{ "exec",	required_argument, NULL, 'e' },
		{ "compat",	no_argument, NULL, 'c' },
		/* show, vmas, probe, query, tasks: lens.h; the others reject them */
		{ "len",	required_argument, NULL, LENS_OPT(LOPT_LEN) },
		{ "hint",	required_argument, NULL, LENS_OPT(LOPT_HINT) },
		{ "flags",	required_argument, NULL, LENS_OPT(LOPT_FLAGS) },
		{ "pgoff",	required_argument, NULL, LENS_OPT(LOPT_PGOFF) },
		{ "file",	required_argument, NULL, LENS_OPT(LOPT_FILE) },
		{ "mode",	required_argument, NULL, LENS_OPT(LOPT_MODE) },
		{ "sort",	required_argument, NULL, LENS_OPT(LOPT_SORT) },
		{ "full",	no_argument, NULL, LENS_OPT(LOPT_FULL) },
		{ "no-gaps",	no_argument, NULL, LENS_OPT(LOPT_NO_GAPS) },
		{ "color",	optional_argument, NULL, LENS_OPT_COLOR },
		{ 0 }
	};
	char *version_argv[] = { "version", NULL };
	bool help = false, version = false;
	int opt, ret;

	/*
	 * Options may follow the command ("vmalens vmas 42 --json"): getopt
	 * permutes them to the front.  A pid is never negative, so nothing
	 * after the command can look like an option by accident; only a
	 * process name can (a login shell's argv[0] is "-bash"), and it
	 * goes after "--".
	 */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "jphV", options, NULL)) != -1) {
		switch (opt) {
		case 'p':
			pretty_output = true;
			/* fall through */
		case 'j':
			json_output = true;
			break;
		case 'h':
			help = true;
			break;
		case 'V':
			version = true;
			break;
		case 's': {
			uint64_t n;

			if (parse_count(optarg, &n) || n > INT_MAX)
				return usage_err("aslr", "invalid --samples '%s': expected a number",
						 optarg);
			aslr_samples = n;
			break;
		}
		case 'e':
			aslr_exec = optarg;
			break;
		case 'c':
			aslr_compat = true;
			break;
		case LENS_OPT(LOPT_LEN):
		case LENS_OPT(LOPT_HINT):
		case LENS_OPT(LOPT_FLAGS):
		case LENS_OPT(LOPT_PGOFF):
		case LENS_OPT(LOPT_FILE):
		case LENS_OPT(LOPT_MODE):
		case LENS_OPT(LOPT_SORT):
		case LENS_OPT(LOPT_FULL):
		case LENS_OPT(LOPT_NO_GAPS):
			if (lens_set_opt(opt & 0xffff, optarg))
				return EXIT_USAGE;
			break;
		case LENS_OPT_COLOR:
			if (set_color_mode(optarg))
				return EXIT_USAGE;
			break;
		default:
			if (optopt)
				return usage_err(NULL, "unknown option '-%c'", optopt);
			return usage_err(NULL, "unknown option '%s'", argv[optind - 1]);
		}
	}
	argc -= optind;
	argv += optind;

	if (json_output) {
		json_wtr = jsonw_new(stdout);
		if (!json_wtr) {
			json_output = false;
			p_err("out of memory");
			return EXIT_ERR;
		}
		jsonw_pretty(json_wtr, pretty_output);
	}

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
	} else if ((ret = lens_check_cmd(argc ? argv[0] : NULL))) {
		/* an option of show, vmas, probe or tasks given to another command */
	} else if (version && argc == 0) {
		ret = cmd_select(main_cmds, 1, version_argv);
	} else {
		ret = cmd_select(main_cmds, argc, argv);
	}

	if (json_output)
		jsonw_destroy(&json_wtr);
	return ret;
}
