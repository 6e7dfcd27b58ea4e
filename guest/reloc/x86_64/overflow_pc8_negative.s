# One R_X86_64_PC8 field one past the edge of what it accepts: kemu must refuse it (RelocationOverflow)
# like GNU ld. The field is the first byte of .text, so P = base.
# kemu-link: base=0xffffffff80000000
# kemu-sym: far_byte = base + 0 - 0x81
# kemu-expect: RelocationOverflow R_X86_64_PC8
	.text
	.reloc	., R_X86_64_PC8, far_byte
	.byte	0
