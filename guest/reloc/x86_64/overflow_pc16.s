# One R_X86_64_PC16 field one past the edge of what it accepts: kemu must refuse it (RelocationOverflow)
# like GNU ld. The field is the first byte of .text, so P = base.
# kemu-link: base=0xffffffff80000000
# kemu-sym: far_word = base + 0x10000
# kemu-expect: RelocationOverflow R_X86_64_PC16
	.text
	.reloc	., R_X86_64_PC16, far_word
	.word	0
