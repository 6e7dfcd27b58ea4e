# A thread-local access: R_X86_64_TPOFF32, which a kernel module never needs and kemu does not
# implement. kemu must name the type in its error.
# kemu-link: base=0xffffffff80000000
# kemu-expect: UnknownRelocation R_X86_64_TPOFF32
	.text
	.globl	tls_fn
tls_fn:
	movl	%fs:tls_var@tpoff, %eax
	ret
	.section .tbss,"awT",@nobits
	.globl	tls_var
tls_var:
	.zero	4
