# The i386 GOT family as PIC code uses it: R_386_GOTPC (GOT base from a call/pop thunk),
# R_386_GOT32X (relaxable loads, calls and jumps, with a base register and, as -fno-pic code
# writes them, without), R_386_GOTOFF, against externals, globals, locals and a weak
# undefined symbol. kemu keeps its GOT loads where ld relaxes them.
# kemu-link: base=0xc0800000
# kemu-sym: ext_func = 0xc0100000
# kemu-sym: ext_data = 0xc0180040
	.text
	.globl	got_entry
	.type	got_entry, @function
got_entry:
	pushl	%ebx
	call	.Lthunk
.Lthunk:
	popl	%ebx
	addl	$_GLOBAL_OFFSET_TABLE_+[.-.Lthunk], %ebx	# R_386_GOTPC
	movl	ext_data@GOT(%ebx), %eax	# R_386_GOT32X mov with a base register
	movl	gvar@GOT(%ebx), %ecx		# GOT32X, global
	movl	local_fn@GOT(%ebx), %edx	# GOT32X, local
	movl	wu@GOT(%ebx), %esi		# GOT32X, weak undefined: slot holds 0
	addl	gvar@GOT(%ebx), %eax		# GOT32X binop
	call	*ext_func@GOT(%ebx)		# GOT32X call
	movl	ext_data@GOT, %edi		# GOT32X without a base register: absolute slot
	leal	gvar@GOTOFF(%ebx), %eax		# R_386_GOTOFF
	leal	local_fn@GOTOFF-8(%ebx), %eax	# GOTOFF, local, negative addend
	movl	ext_func@GOTOFF(%ebx), %eax	# GOTOFF against an external
	popl	%ebx
	jmp	*ext_func@GOT(%ebx)		# GOT32X jmp
	.size	got_entry, .-got_entry
local_fn:
	ret

	.section .rodata,"a",@progbits
	.align	4
got_refs:
	.long	_GLOBAL_OFFSET_TABLE_		# R_386_GOTPC in data (GOT - P)
	.long	_GLOBAL_OFFSET_TABLE_+12	# GOTPC with addend
	.long	gvar@GOTOFF			# GOTOFF in data
	.long	ext_func@GOT			# R_386_GOT32 in data
	.long	local_fn@GOT			# GOT32 against a local

	.data
	.globl	gvar
	.type	gvar, @object
gvar:
	.long	7, 8, 9
	.size	gvar, 12
	.weak	wu
