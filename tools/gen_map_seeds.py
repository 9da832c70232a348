#!/usr/bin/python3
"""Seeds for fuzz/fuzz_map.c: --map files as users write them (the
examples of docs/matching.md, the rules of the CLI fixtures: llama.cpp's
GGUF names, MLX's, POSIX classes, groups, comments, CRLF) and near misses
(no arrow, an empty regex, a bad regex, a group the regex lacks, a lone
backslash, a NUL byte). Deterministic.

    /usr/bin/python3 tools/gen_map_seeds.py fuzz/corpus/map
"""
import os
import sys

SEEDS = {
    "docs_example.map":
        "# rename the port's modules to the reference's\n"
        "^model\\.(enc|dec)oder\\.layers\\.([0-9]+)\\.(.*)$  =>  \\1.\\2.\\3\n"
        "blocks/  =>  layers.\n",
    "gguf.map":
        "^token_embd\\.weight$ => model.embed_tokens.weight\n"
        "^output_norm\\.weight$ => model.norm.weight\n"
        "^blk\\.([0-9]+)\\.attn_norm\\.weight$ => model.layers.\\1.input_layernorm.weight\n"
        "^blk\\.([0-9]+)\\.attn_(q|k|v)\\.weight$ => model.layers.\\1.self_attn.\\2_proj.weight\n"
        "^blk\\.([0-9]+)\\.ffn_(gate|up|down)\\.weight$ => model.layers.\\1.mlp.\\2_proj.weight\n",
    "mlx.map":
        "# the MLX port's name for the final norm\n"
        "^model\\.norm_f\\.(.*)$ => model.norm.\\1\n",
    "digits.map":
        "# POSIX ERE: [0-9] matches a digit, \\d is just 'd'\n"
        "^step10_(mel)$ => step10_\\1\n"
        "^step(\\d+)_extra$ => step4_x0\n",
    "classes.map":
        "^([[:alpha:]]+)[[:digit:]]{2,3}$ => \\1\n"
        "[^./]+Proj => proj\n"
        "(a|b)*c? => \\0\\\\x\n",
    "whole_match.map": "^.*$ => prefix.\\0\n",
    "crlf.map": "^a\\.(.*)$ => b.\\1\r\n\r\n  # comment\r\n",
    "blank_and_comments.map": "\n   \n# only comments\n\t# and blanks\n",
    "arrow_in_replacement.map": "^x$ => y => z\n",
    "empty.map": "",
    "bad_no_arrow.map": "^model\\.(.*)$ model.\\1\n",
    "bad_empty_regex.map": "   => x\n",
    "bad_regex.map": "(a => b\n",
    "bad_group.map": "^(a)$ => \\2\n",
    "bad_lone_backslash.map": "^a$ => b\\\n",
    "bad_nul.map": "^a$ => b\x00c\n",
}


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, text in SEEDS.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(text.encode())


if __name__ == "__main__":
    main()
