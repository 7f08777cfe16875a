"""The Chinese words evaluators see for the store's codes, shared by the CLI and the web app so
both always say the same thing."""

from extract import vocabulary

PERIODS = vocabulary.PERIOD_LABELS
KINDS = vocabulary.KIND_LABELS
LEVELS = vocabulary.LEVEL_LABELS
ROLES = vocabulary.ROLE_LABELS
SOURCES = vocabulary.SOURCE_LABELS

CHECKS = vocabulary.CHECK_LABELS
FIGURE_KINDS = vocabulary.FIGURE_KIND_LABELS
FIGURE_REVIEW = vocabulary.REVIEW_LABELS
REASONS = {  # why a file failed, by its error code
    "unsupported format": "不支持的文件格式",
    "type mismatch": "文件内容与扩展名不符",
    "empty file": "空文件",
    "too large": "文件过大",
    "zip bomb": "压缩包异常（疑似压缩炸弹）",
    "parse error": "文件损坏，无法解析",
    "encrypted": "文件已加密",
    "resource limit": "解析超出时间或内存限制",
    "converter missing": "缺少 LibreOffice，无法读取 .doc/.wps",
    "not found": "文件不存在",
    "conflict": "与同时进行的另一次导入冲突，未保存",
}
