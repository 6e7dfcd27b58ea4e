# One R_386_16 field past the edge of what GNU ld accepts: kemu must refuse it too.
# kemu-link: base=0xc0800000
# kemu-sym: b16_top = 0xffff
# kemu-expect: RelocationOverflow R_386_16
	.data
	.globl	over
over:
	.reloc	., R_386_16, b16_top
	.word	1
