"""Django's Chinese formats (2024年12月1日), with a date typed or shown in a field as 2024-12-01
first (Django's own first is 2024/12/01); 2024/12/01 and 2024年12月1日 are read too."""

from django.conf.locale.zh_Hans.formats import *  # noqa: F403  (the rest as Django has them)

DATE_INPUT_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日"]
DATETIME_INPUT_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y年%m月%d日 %H:%M"]
