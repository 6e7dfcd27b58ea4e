# One R_386_PC8 field past the edge of what GNU ld accepts: kemu must refuse it too. The field is the
# first byte of .text, so P = base.
# kemu-link: base=0xc0800000
# kemu-sym: far_byte = base + 0x80
# kemu-expect: RelocationOverflow R_386_PC8
	.text
	.reloc	., R_386_PC8, far_byte
	.byte	0
