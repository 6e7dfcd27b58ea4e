# A thread-local access: R_386_TLS_LE, which kemu does not implement; the error must name it.
# kemu-link: base=0xc0800000
# kemu-expect: UnknownRelocation R_386_TLS_LE
	.text
	.globl	tls_fn
tls_fn:
	movl	%gs:tls_var@ntpoff, %eax
	ret
	.section .tbss,"awT",@nobits
	.globl	tls_var
tls_var:
	.zero	4
