DROP FUNCTION IF EXISTS custadm_fold(text);
DROP FUNCTION IF EXISTS custadm_digits(text);
