# One R_386_16 field past the edge of what GNU ld accepts: kemu must refuse it too.
# kemu-link: base=0xc0800000
# kemu-sym: b16_under = 0xfffeffff
# kemu-expect: RelocationOverflow R_386_16
	.data
	.globl	over
over:
	.reloc	., R_386_16, b16_under
	.word	0
