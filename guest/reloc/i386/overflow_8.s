# One R_386_8 field past the edge of what GNU ld accepts: kemu must refuse it too.
# kemu-link: base=0xc0800000
# kemu-sym: b8_over = 0x100
# kemu-expect: RelocationOverflow R_386_8
	.data
	.globl	over
over:
	.reloc	., R_386_8, b8_over
	.byte	0
