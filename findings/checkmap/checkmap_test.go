package checkmap

import "testing"

func TestCanonical(t *testing.T) {
	for in, want := range map[string]string{
		"aws-ebs-enable-volume-encryption": "AWS-0026", // tfsec's legacy alias (service renamed to ec2)
		"aws-ec2-enable-volume-encryption": "AWS-0026", // provider-service-short_code
		"AVD-AWS-0026":                     "AWS-0026", // Trivy up to 0.5x
		"AWS-0026":                         "AWS-0026", // Trivy today
		"avd-aws-0026":                     "AWS-0026",
		"google-gke-enable-auto-repair":    "GCP-0063",
	} {
		if got, ok := Canonical(in); !ok || got != want {
			t.Errorf("Canonical(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "G101", "CVE-2021-44228", "AWS-9999", "aws-ebs-no-such-check", "KSV001", "DS002"} {
		if got, ok := Canonical(in); ok {
			t.Errorf("Canonical(%q) = %q, want none", in, got)
		}
	}
	if Len() < 300 {
		t.Errorf("table has %d ids", Len())
	}
}
