/* SPDX-License-Identifier: MIT */
/*
 * names.c - word lists and patterns behind names.h.
 *
 * Owns the lists (surnames with rough frequency weights, given-name
 * characters, trade-name characters, industries, trades, farm products, and
 * per county the towns/streets and roads of Liaocheng) and the patterns that
 * combine them.  Each result is first built in a fixed scratch buffer and only
 * then copied out, so a short caller buffer changes neither the draws nor the
 * text, only whether it is delivered.
 *
 * Enterprise trade names (字号) are first character x second character (about
 * 110 x 110), crossed with prefix, industry and form, which keeps duplicates
 * among hundreds of thousands of enterprises rare.
 */
#include "core/names.h"

#include <string.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define NAMES_SCRATCH 512

struct weighted {
    const char *s;
    unsigned w;
};

struct county {
    const char *name;
    const char *short_name; /* usable as an enterprise-name prefix, or NULL */
    int is_zone;            /* development zones never prefix a name */
    const char *const *towns;
    size_t n_towns;
    const char *const *roads;
    size_t n_roads;
};

struct scratch {
    char buf[NAMES_SCRATCH];
    size_t len;
    int overflow;
};

/* Surnames, weights roughly per 10,000 people in western Shandong. */
static const struct weighted surnames[] = {
    {"王", 920}, {"李", 800}, {"张", 780}, {"刘", 700}, {"陈", 300}, {"杨", 300}, {"赵", 300},
    {"黄", 120}, {"周", 150}, {"吴", 120}, {"徐", 180}, {"孙", 250}, {"马", 200}, {"朱", 140},
    {"胡", 120}, {"郭", 150}, {"何", 70},  {"高", 200}, {"林", 70},  {"罗", 50},  {"郑", 100},
    {"梁", 100}, {"谢", 50},  {"宋", 140}, {"唐", 60},  {"许", 100}, {"韩", 120}, {"冯", 90},
    {"邓", 40},  {"曹", 100}, {"彭", 40},  {"曾", 20},  {"肖", 60},  {"田", 100}, {"董", 120},
    {"袁", 60},  {"潘", 40},  {"于", 140}, {"蒋", 40},  {"蔡", 30},  {"余", 20},  {"杜", 90},
    {"叶", 20},  {"程", 70},  {"苏", 60},  {"魏", 100}, {"吕", 80},  {"丁", 80},  {"任", 80},
    {"沈", 30},  {"姚", 50},  {"卢", 50},  {"姜", 100}, {"崔", 90},  {"钟", 20},  {"谭", 20},
    {"陆", 20},  {"汪", 20},  {"范", 60},  {"金", 40},  {"石", 60},  {"贾", 70},  {"夏", 40},
    {"付", 50},  {"方", 30},  {"白", 50},  {"邹", 20},  {"孟", 80},  {"秦", 50},  {"邱", 20},
    {"江", 20},  {"尹", 50},  {"薛", 50},  {"闫", 70},  {"段", 50},  {"雷", 30},  {"侯", 60},
    {"史", 50},  {"陶", 20},  {"贺", 40},  {"顾", 20},  {"毛", 30},  {"郝", 60},  {"邵", 40},
    {"万", 30},  {"严", 20},  {"武", 60},  {"戴", 20},  {"孔", 50},  {"常", 50},  {"葛", 40},
    {"庞", 40},  {"齐", 40},  {"耿", 40},  {"申", 30},  {"牛", 40},  {"岳", 30},  {"房", 30},
    {"翟", 30},  {"穆", 20},  {"路", 30},  {"左", 20},  {"袭", 10},  {"燕", 10},  {"訾", 10},
    {"展", 10},  {"聂", 20},  {"卜", 10},  {"柴", 20},  {"温", 20},  {"单", 20},  {"仝", 10},
    {"宫", 20},  {"芦", 10},  {"欧阳", 3}, {"司马", 2}, {"上官", 2}, {"诸葛", 2},
};

static const char *const given_male[] = {
    "建", "国", "军", "民", "伟", "强", "磊", "勇", "杰", "涛", "明", "超", "刚", "平",
    "辉", "鹏", "华", "飞", "鑫", "波", "斌", "宇", "浩", "凯", "健", "俊", "帆", "帅",
    "旭", "宁", "龙", "林", "洋", "峰", "庆", "东", "亮", "志", "新", "海", "成", "文",
    "博", "晨", "阳", "昊", "天", "宏", "振", "兵", "锋", "喜", "福", "贵", "春", "德",
    "生", "金", "山", "利", "广", "胜", "永", "兴", "长", "学", "立", "忠", "义", "良",
    "泽", "睿", "轩", "铭", "宸", "子", "梓", "嘉", "航", "家", "增", "保", "全", "顺",
    "瑞", "彬", "祥", "怀", "清", "爱", "卫", "红", "运", "朝", "坤", "秋", "冬", "恒",
};

static const char *const given_female[] = {
    "丽", "娟", "敏", "静", "燕", "艳", "芳", "娜", "秀", "英", "霞", "玲", "梅", "红",
    "萍", "婷", "雪", "琳", "慧", "莉", "倩", "颖", "洁", "欣", "月", "佳", "妍", "晶",
    "璐", "琪", "蕾", "薇", "丹", "晓", "玉", "凤", "兰", "翠", "云", "美", "悦", "涵",
    "怡", "可", "馨", "雨", "思", "诗", "梦", "瑶", "菲", "萌", "彤", "宁", "桂", "荣",
    "华", "春", "爱", "青", "亚", "琴", "莹", "茹", "娅", "彩", "霏", "晴", "冰", "露",
};

/* First character of a trade name (字号). */
static const char *const trade_first[] = {
    "鑫", "华", "宏", "泰", "恒", "瑞", "金", "盛", "鲁", "聊", "东", "昌", "永", "兴", "隆", "福",
    "祥", "嘉", "佳", "德", "正", "通", "广", "大", "中", "新", "天", "海", "丰", "康", "安", "博",
    "荣", "鸿", "凯", "润", "汇", "信", "诚", "立", "建", "远", "明", "光", "宇", "振", "卓", "锦",
    "辰", "晨", "美", "创", "力", "民", "众", "合", "和", "亿", "万", "百", "宝", "利", "源", "聚",
    "鼎", "益", "腾", "骏", "君", "豪", "伟", "顺", "旺", "富", "贵", "吉", "昊", "浩", "亨", "元",
    "晟", "齐", "水", "江", "运", "泉", "峰", "山", "岳", "星", "阳", "春", "青", "绿", "蓝", "银",
    "铭", "鹏", "龙", "凤", "祺", "乾", "坤", "禾", "田", "农", "科", "志", "泓", "沃", "御", "尚",
};

/* Second character of a trade name. */
static const char *const trade_second[] = {
    "鹏", "达", "源", "通", "丰", "成", "信", "诚", "泰", "华", "瑞", "祥", "福", "昌", "盛", "隆",
    "兴", "发", "利", "元", "鑫", "和", "润", "康", "宇", "博", "远", "航", "腾", "飞", "辉", "耀",
    "强", "峰", "川", "海", "洋", "林", "森", "业", "晟", "轩", "阳", "光", "明", "亮", "星", "辰",
    "泽", "涛", "鸣", "凯", "旋", "锐", "新", "创", "立", "方", "正", "宁", "平", "安", "佳", "美",
    "德", "仁", "义", "智", "豪", "杰", "英", "龙", "鹰", "骏", "驰", "翔", "坤", "乾", "升", "旺",
    "顺", "畅", "汇", "融", "合", "聚", "邦", "嘉", "诺", "恒", "宏", "基", "石", "力", "威", "盾",
    "运", "久", "茂", "荣", "晶", "铭", "瀚", "煜", "灿", "锦", "途", "越", "西", "意", "垚", "磊",
};

static const char *const industries[] = {
    "机械制造", "纺织",     "轴承",     "新材料",     "化工",     "食品",     "建材",
    "物流",     "商贸",     "电子科技", "农业科技",   "钢管",     "铝业",     "生物科技",
    "医药",     "汽车配件", "建筑工程", "房地产开发", "家具",     "木业",     "玻璃制品",
    "印刷",     "包装",     "服饰",     "农产品",     "畜牧",     "饲料",     "面粉",
    "肉制品",   "酒业",     "环保科技", "信息技术",   "网络科技", "电力设备", "石油机械",
    "钢结构",   "塑料制品", "橡胶制品", "五金",       "电器",     "照明",     "能源",
    "燃气",     "文化传媒", "广告",     "教育咨询",   "餐饮管理", "酒店管理", "物业管理",
    "人力资源", "劳务",     "装饰工程", "园林绿化",   "交通运输", "汽车销售", "农业机械",
    "棉业",     "彩钢板",   "电线电缆", "铸造",       "阀门",     "管件",     "板材",
    "纸业",     "化纤",     "果蔬",     "粮油",       "调味品",   "水产",     "节能科技",
    "智能科技", "安全设备", "消防工程", "仪器仪表",   "特种设备", "压力容器", "锅炉",
    "汽车服务", "医疗器械", "健康科技", "供应链管理", "贸易",     "实业",     "工贸",
    "置业",
};

/* Company forms with rough frequencies. */
static const struct weighted forms[] = {
    {"有限公司", 70},
    {"有限责任公司", 15},
    {"股份有限公司", 8},
    {"集团有限公司", 7},
};

/* Forms when the prefix is the province: mostly larger companies. */
static const struct weighted forms_province[] = {
    {"有限公司", 45},
    {"有限责任公司", 10},
    {"股份有限公司", 25},
    {"集团有限公司", 20},
};

static const char *const trades[] = {
    "家常菜馆",   "餐馆",     "饭店",       "面馆",       "水饺馆", "烧烤店",   "羊肉汤馆",
    "超市",       "便利店",   "五金店",     "理发店",     "美发店", "副食店",   "汽修店",
    "服装店",     "水果店",   "药店",       "日用品店",   "粮油店", "蔬菜店",   "烟酒店",
    "茶叶店",     "鞋店",     "手机店",     "家电维修部", "门窗店", "建材店",   "装饰材料店",
    "花店",       "文具店",   "书店",       "眼镜店",     "母婴店", "蛋糕店",   "早餐店",
    "烧饼店",     "豆腐坊",   "肉食店",     "干洗店",     "打印部", "农资店",   "种子店",
    "兽药店",     "洗车店",   "快递服务站", "足疗店",     "摄影部", "电动车行", "家具店",
    "灯饰店",     "卤肉店",   "熟食店",     "馒头坊",     "调料店", "渔具店",   "布艺店",
    "床上用品店", "化妆品店", "修车铺",     "小吃部",     "炒鸡店", "火锅店",   "烤鸭店",
    "包子铺",     "冷饮店",   "奶茶店",     "诊所",       "电器店",
};

/* Proprietor-style parts of an individual business name. */
static const char *const doubled[] = {
    "佳", "乐", "欣", "丰", "悦", "鑫", "旺", "顺", "福", "美",
    "喜", "甜", "好", "盈", "聚", "源", "家", "贝", "阳", "明",
};

static const char *const products[] = {
    "蔬菜种植", "果蔬种植", "瓜菜种植", "食用菌种植", "粮食种植",   "小麦种植", "玉米种植",
    "棉花种植", "苗木种植", "花卉种植", "中药材种植", "葡萄种植",   "桃种植",   "苹果种植",
    "西瓜种植", "辣椒种植", "大蒜种植", "香瓜种植",   "西红柿种植", "黄瓜种植", "甜瓜种植",
    "生猪养殖", "肉鸡养殖", "蛋鸡养殖", "肉牛养殖",   "奶牛养殖",   "肉羊养殖", "水产养殖",
    "蜜蜂养殖", "鸭养殖",   "驴养殖",   "农机服务",   "植保服务",   "土地股份", "果品",
    "粮棉",     "林果",     "蔬菜",     "养殖",       "种植",       "农业机械", "有机农业",
    "家庭农场",
};

/* Village suffixes: 王庄, 李楼, 张集, ... */
static const char *const village_suffixes[] = {
    "庄", "楼", "集", "屯", "营", "寨", "店", "堂", "洼", "园", "口", "桥",
};

static const char *const village_prefixes[] = {"东", "西", "南", "北", "前", "后", "大", "小"};

static const char *const directions[] = {"东", "西", "南", "北"};

static const char *const communities[] = {
    "阳光花园", "幸福家园",   "锦绣城",   "盛世华城", "金色家园", "水城花园",   "运河小区",
    "建设小区", "文苑小区",   "和谐家园", "翡翠城",   "东方名居", "丽景花园",   "书香苑",
    "湖畔人家", "颐和园小区", "学府花园", "龙湾小区", "民生小区", "新世纪花园",
};

/* Roads used inside towns (镇/乡), where county roads would be unlikely. */
static const char *const town_roads[] = {
    "中心街", "政府街", "商业街", "工业路", "兴业路", "文化路",
    "建设街", "振兴路", "农贸街", "新华街", "育才路", "富民路",
};

static const char *const towns_dongchangfu[] = {
    "古楼街道", "柳园街道", "新区街道", "湖西街道", "道口铺街道", "闫寺街道", "侯营镇",
    "沙镇镇",   "堂邑镇",   "梁水镇镇", "斗虎屯镇", "郑家镇",     "张炉集镇",
};
static const char *const roads_dongchangfu[] = {
    "光岳路", "东昌西路", "兴华西路", "柳园南路", "柳园北路", "花园北路",
    "建设路", "湖南路",   "向阳路",   "利民西路", "振兴西路", "昌润路",
    "卫育路", "站前街",   "古楼东街", "楼西大街", "育新街",   "民主路",
};

static const char *const towns_chiping[] = {
    "振兴街道", "信发街道", "温陈街道", "博平镇",   "乐平铺镇", "冯官屯镇", "菜屯镇",
    "杜郎口镇", "韩屯镇",   "胡屯镇",   "肖家庄镇", "贾寨镇",   "洪官屯镇",
};
static const char *const roads_chiping[] = {
    "振兴路", "信发路", "新政路", "东环路", "西环路", "文化路",
    "民主路", "中心街", "育新街", "茌中路", "温陈路", "工业路",
};

static const char *const towns_yanggu[] = {
    "侨润街道", "博济桥街道", "狮子楼街道", "阿城镇",   "七级镇",     "安乐镇",
    "定水镇",   "石佛镇",     "李台镇",     "寿张镇",   "十五里园镇", "张秋镇",
    "郭屯镇",   "西湖镇",     "高庙王镇",   "金斗营镇", "大布乡",
};
static const char *const roads_yanggu[] = {
    "谷山路",   "侨润路", "博济路", "狮子楼路", "清河路",   "运河路",
    "景阳冈路", "金水路", "文化路", "东环路",   "阳谷大道", "建设路",
};

static const char *const towns_shenxian[] = {
    "莘州街道", "燕塔街道", "莘亭街道", "东鲁街道", "张鲁回族镇", "朝城镇",
    "观城镇",   "古城镇",   "大张家镇", "古云镇",   "十八里铺镇", "燕店镇",
    "董杜庄镇", "王奉镇",   "樱桃园镇", "河店镇",   "妹冢镇",     "魏庄镇",
    "张寨镇",   "大王寨镇", "徐庄镇",   "王庄集镇", "柿子园镇",   "俎店镇",
};
static const char *const roads_shenxian[] = {
    "燕塔路", "莘州路", "东鲁路", "莘亭路", "中华路", "文化路",
    "振兴路", "鸿图街", "政府街", "通运路", "明天路", "莘城路",
};

static const char *const towns_donge[] = {
    "铜城街道", "新城街道", "刘集镇", "牛角店镇", "大桥镇",
    "高集镇",   "姜楼镇",   "姚寨镇", "鱼山镇",   "陈集镇",
};
static const char *const roads_donge[] = {
    "阿胶街", "曙光街", "洛神路", "新城路", "铜城路", "少岱山路",
    "文化路", "香江路", "东环路", "建设路", "和平街", "艾山路",
};

static const char *const towns_guanxian[] = {
    "清泉街道", "崇文街道", "烟庄街道", "贾镇",   "桑阿镇",   "柳林镇",
    "清水镇",   "东古城镇", "北馆陶镇", "店子镇", "定远寨镇", "辛集镇",
    "梁堂镇",   "范寨镇",   "甘官屯镇", "斜店乡", "兰沃乡",   "万善乡",
};
static const char *const roads_guanxian[] = {
    "红旗路", "武训路", "振兴路", "建设路", "冠宜春路", "清泉路",
    "崇文路", "烟庄路", "新华路", "馆陶路", "冠州大道", "文化路",
};

static const char *const towns_gaotang[] = {
    "鱼丘湖街道", "汇鑫街道", "人和街道",   "琉璃寺镇", "梁村镇", "尹集镇",
    "清平镇",     "固河镇",   "三十里铺镇", "赵寨子镇", "姜店镇", "杨屯镇",
};
static const char *const roads_gaotang[] = {
    "人和路", "官道街", "金城路", "时风路",   "鱼丘湖路", "振兴路",
    "汇鑫路", "文化路", "三环路", "高唐大道", "光明路",   "德州路",
};

static const char *const towns_linqing[] = {
    "青年路街道", "新华路街道", "先锋路街道", "大辛庄街道", "松林镇", "老赵庄镇",
    "康庄镇",     "魏湾镇",     "刘垓子镇",   "八岔路镇",   "潘庄镇", "烟店镇",
    "唐园镇",     "金郝庄镇",   "戴湾镇",     "尚店镇",
};
static const char *const roads_linqing[] = {
    "青年路", "新华路", "先锋路", "大众路", "温泉路", "永青路",
    "红星路", "运河路", "考棚街", "锅市街", "银河路", "元代路",
};

static const char *const towns_kaifa[] = {
    "蒋官屯街道",
    "北城街道",
    "东城街道",
    "广平镇",
};
static const char *const roads_kaifa[] = {
    "东昌东路", "黄河路", "长江路", "辽河路", "嵩山路",   "华山路",
    "泰山路",   "衡山路", "黄山路", "庐山路", "中华北路", "牡丹江路",
};

static const char *const towns_gaoxin[] = {
    "九州街道",
    "许营镇",
    "顾官屯镇",
    "韩集乡",
};
static const char *const roads_gaoxin[] = {
    "中华路", "黄河路", "长江路", "松花江路", "珠江路",
    "天津路", "北京路", "庐山路", "兴业路",   "创业路",
};

static const char *const towns_dujia[] = {
    "凤凰街道",
    "李海务街道",
    "朱老庄镇",
    "于集镇",
};
static const char *const roads_dujia[] = {
    "湖南东路", "东昌东路", "昌润南路", "滨河大道", "水城大道", "龙湾路", "凤凰路", "古运河路",
};

#define TOWNS_ROADS(t, r) t, ARRAY_LEN(t), r, ARRAY_LEN(r)

static const struct county counties[NAMES_COUNTY_COUNT] = {
    {"东昌府区", NULL, 0, TOWNS_ROADS(towns_dongchangfu, roads_dongchangfu)},
    {"茌平区", "茌平", 0, TOWNS_ROADS(towns_chiping, roads_chiping)},
    {"阳谷县", "阳谷", 0, TOWNS_ROADS(towns_yanggu, roads_yanggu)},
    {"莘县", NULL, 0, TOWNS_ROADS(towns_shenxian, roads_shenxian)},
    {"东阿县", "东阿", 0, TOWNS_ROADS(towns_donge, roads_donge)},
    {"冠县", NULL, 0, TOWNS_ROADS(towns_guanxian, roads_guanxian)},
    {"高唐县", "高唐", 0, TOWNS_ROADS(towns_gaotang, roads_gaotang)},
    {"临清市", "临清", 0, TOWNS_ROADS(towns_linqing, roads_linqing)},
    {"经济技术开发区", NULL, 1, TOWNS_ROADS(towns_kaifa, roads_kaifa)},
    {"高新技术产业开发区", NULL, 1, TOWNS_ROADS(towns_gaoxin, roads_gaoxin)},
    {"江北水城旅游度假区", NULL, 1, TOWNS_ROADS(towns_dujia, roads_dujia)},
};

/* Appends the NUL-terminated string s to sc, or marks sc overflowed. */
static void sc_add(struct scratch *sc, const char *s)
{
    size_t n = strlen(s);

    if (sc->overflow || n >= sizeof sc->buf - sc->len) {
        sc->overflow = 1;
        return;
    }
    memcpy(sc->buf + sc->len, s, n);
    sc->len += n;
    sc->buf[sc->len] = '\0';
}

/* Appends the decimal form of v to sc. */
static void sc_add_uint(struct scratch *sc, unsigned v)
{
    char tmp[16];
    size_t i = sizeof tmp - 1;

    tmp[i] = '\0';
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0 && i > 0);
    sc_add(sc, tmp + i);
}

/* Copies sc into buf[0..cap); returns its length, or -1 (buf "") if it does not fit. */
static int sc_deliver(const struct scratch *sc, char *buf, size_t cap)
{
    if (cap == 0)
        return -1;
    if (sc->overflow || sc->len >= cap) {
        buf[0] = '\0';
        return -1;
    }
    memcpy(buf, sc->buf, sc->len + 1);
    return (int)sc->len;
}

/* Returns a uniformly drawn element of a string list of n > 0 entries. */
static const char *pick(struct rng *r, const char *const *list, size_t n)
{
    return list[rng_below(r, (uint32_t)n)];
}

#define PICK(r, list) pick((r), (list), ARRAY_LEN(list))

/* Returns an element of a weighted list of n > 0 entries, drawn by weight. */
static const char *pick_weighted(struct rng *r, const struct weighted *list, size_t n)
{
    uint32_t total = 0;
    uint32_t x;

    for (size_t i = 0; i < n; i++)
        total += list[i].w;
    x = rng_below(r, total);
    for (size_t i = 0; i < n; i++) {
        if (x < list[i].w)
            return list[i].s;
        x -= list[i].w;
    }
    return list[n - 1].s;
}

#define PICK_WEIGHTED(r, list) pick_weighted((r), (list), ARRAY_LEN(list))

/* Returns the index of the county named name, or -1. */
static int county_find(const char *name)
{
    for (int i = 0; i < NAMES_COUNTY_COUNT; i++) {
        if (strcmp(counties[i].name, name) == 0)
            return i;
    }
    return -1;
}

/* Draws a county index: the eight counties mostly, the three zones less often. */
static int county_draw(struct rng *r)
{
    uint32_t x = rng_below(r, 100);

    if (x < 88)
        return (int)(x / 11); /* 0..7 */
    return 8 + (int)((x - 88) / 4);
}

/* Appends the place part of a name: a zone is registered as 聊城经济技术开发区…. */
static void add_place(struct scratch *sc, const char *county_name, int idx)
{
    if (idx >= 0 && counties[idx].is_zone)
        sc_add(sc, "聊城");
    sc_add(sc, county_name);
}

/* Appends a person name to sc. */
static void add_person(struct rng *r, struct scratch *sc)
{
    int female = (int)rng_below(r, 2);
    int two = rng_chance(r, 700000);
    const char *const *list = female ? given_female : given_male;
    size_t n = female ? ARRAY_LEN(given_female) : ARRAY_LEN(given_male);
    const char *a;

    sc_add(sc, PICK_WEIGHTED(r, surnames));
    a = pick(r, list, n);
    sc_add(sc, a);
    if (two) {
        const char *b = pick(r, list, n);
        /* A doubled character reads as a girl's pet name; redraw once for boys. */
        if (strcmp(a, b) == 0 && !female)
            b = pick(r, list, n);
        sc_add(sc, b);
    }
}

/* Appends a 2-character trade name (two different characters) to sc. */
static void add_trade_name(struct rng *r, struct scratch *sc)
{
    const char *a = PICK(r, trade_first);
    const char *b = PICK(r, trade_second);

    while (strcmp(a, b) == 0)
        b = PICK(r, trade_second);
    sc_add(sc, a);
    sc_add(sc, b);
}

/* Appends a village name such as 王庄村 or 前李楼村 to sc. */
static void add_village(struct rng *r, struct scratch *sc, int with_cun)
{
    if (rng_chance(r, 200000))
        sc_add(sc, PICK(r, village_prefixes));
    sc_add(sc, PICK_WEIGHTED(r, surnames));
    sc_add(sc, PICK(r, village_suffixes));
    if (with_cun)
        sc_add(sc, "村");
}

/* Returns a house number, small numbers likelier, as on real streets. */
static unsigned draw_number(struct rng *r)
{
    if (rng_chance(r, 600000))
        return 1 + rng_below(r, 120);
    return 1 + rng_below(r, 999);
}

int names_person(struct rng *r, char *buf, size_t cap)
{
    struct scratch sc = {.len = 0};

    add_person(r, &sc);
    return sc_deliver(&sc, buf, cap);
}

const char *names_county(int index)
{
    if (index < 0 || index >= NAMES_COUNTY_COUNT)
        return NULL;
    return counties[index].name;
}

int names_enterprise(struct rng *r, const char *county_name, const char *industry_word, char *buf,
                     size_t cap)
{
    struct scratch sc = {.len = 0};
    const struct county *c = NULL;
    const char *prefix;
    uint32_t x;
    int idx;

    if (county_name == NULL)
        idx = county_draw(r);
    else
        idx = county_find(county_name);
    if (idx >= 0)
        c = &counties[idx];

    x = rng_below(r, 100);
    if (c != NULL && c->is_zone) {
        prefix = x < 70 ? "聊城市" : x < 90 ? "聊城" : "山东";
    } else if (c != NULL) {
        if (x < 50)
            prefix = c->name;
        else if (x < 60)
            prefix = c->short_name ? c->short_name : c->name;
        else if (x < 85)
            prefix = "聊城市";
        else if (x < 90)
            prefix = "聊城";
        else
            prefix = "山东";
    } else {
        prefix = x < 60 ? county_name : x < 90 ? "聊城市" : "山东";
    }
    sc_add(&sc, prefix);
    add_trade_name(r, &sc);
    sc_add(&sc, industry_word ? industry_word : PICK(r, industries));
    if (strcmp(prefix, "山东") == 0)
        sc_add(&sc, PICK_WEIGHTED(r, forms_province));
    else
        sc_add(&sc, PICK_WEIGHTED(r, forms));
    return sc_deliver(&sc, buf, cap);
}

int names_individual(struct rng *r, const char *county_name, const char *trade_word, char *buf,
                     size_t cap)
{
    struct scratch sc = {.len = 0};
    int idx;
    uint32_t x;

    if (county_name == NULL) {
        idx = county_draw(r);
        county_name = counties[idx].name;
    } else {
        idx = county_find(county_name);
    }
    add_place(&sc, county_name, idx);
    /* Some registrations carry the town: 阳谷县七级镇… */
    if (rng_chance(r, 300000) && idx >= 0)
        sc_add(&sc, pick(r, counties[idx].towns, counties[idx].n_towns));

    x = rng_below(r, 100);
    if (x < 10) {
        sc_add(&sc, "老");
        sc_add(&sc, PICK_WEIGHTED(r, surnames));
    } else if (x < 17) {
        sc_add(&sc, PICK_WEIGHTED(r, surnames));
        sc_add(&sc, "记");
    } else if (x < 22) {
        sc_add(&sc, "小");
        sc_add(&sc, PICK_WEIGHTED(r, surnames));
    } else if (x < 25) {
        sc_add(&sc, PICK_WEIGHTED(r, surnames));
        sc_add(&sc, rng_below(r, 2) ? "姐" : "哥");
    } else if (x < 45) {
        add_person(r, &sc);
    } else if (x < 96) {
        add_trade_name(r, &sc);
    } else {
        const char *d = PICK(r, doubled);
        sc_add(&sc, d);
        sc_add(&sc, d);
    }
    sc_add(&sc, trade_word ? trade_word : PICK(r, trades));
    return sc_deliver(&sc, buf, cap);
}

int names_cooperative(struct rng *r, const char *county_name, char *buf, size_t cap)
{
    struct scratch sc = {.len = 0};
    int idx;
    uint32_t x;

    if (county_name == NULL) {
        /* Cooperatives are rural: draw among the eight counties only. */
        idx = (int)rng_below(r, 8);
        county_name = counties[idx].name;
    } else {
        idx = county_find(county_name);
    }
    add_place(&sc, county_name, idx);

    x = rng_below(r, 100);
    if (x < 15 && idx >= 0) {
        sc_add(&sc, pick(r, counties[idx].towns, counties[idx].n_towns));
        add_trade_name(r, &sc);
    } else if (x < 40) {
        add_village(r, &sc, 0);
    } else {
        add_trade_name(r, &sc);
    }
    sc_add(&sc, PICK(r, products));
    sc_add(&sc, rng_chance(r, 200000) ? "农民专业合作社" : "专业合作社");
    return sc_deliver(&sc, buf, cap);
}

/* Ends with 街道: an urban sub-district with named roads and residential compounds. */
static int is_street(const char *town)
{
    size_t n = strlen(town);
    size_t k = strlen("街道");

    return n >= k && strcmp(town + n - k, "街道") == 0;
}

/* The part of an urban address after the street office (街道): a number on a road, a
 * crossing, or a flat in a residential community. Draws in a fixed order for determinism. */
static void add_street_address(struct rng *r, const struct county *c, struct scratch *sc)
{
    uint32_t x = rng_below(r, 100);
    const char *road = pick(r, c->roads, c->n_roads);
    if (x < 70) {
        sc_add(sc, road);
        sc_add_uint(sc, draw_number(r));
        sc_add(sc, "号");
    } else if (x < 85) {
        const char *cross = pick(r, c->roads, c->n_roads);
        while (strcmp(cross, road) == 0)
            cross = pick(r, c->roads, c->n_roads);
        sc_add(sc, road);
        sc_add(sc, "与");
        sc_add(sc, cross);
        sc_add(sc, "交叉口");
        sc_add(sc, PICK(r, directions));
        sc_add_uint(sc, 10 * (1 + rng_below(r, 30)));
        sc_add(sc, "米");
    } else {
        sc_add(sc, PICK(r, communities));
        sc_add_uint(sc, 1 + rng_below(r, 30));
        sc_add(sc, "号楼");
        sc_add_uint(sc, 1 + rng_below(r, 4));
        sc_add(sc, "单元");
        sc_add_uint(sc, 100 * (1 + rng_below(r, 18)) + 1 + rng_below(r, 4));
        sc_add(sc, "室");
    }
}

/* The part of a rural address after the town: a village, a town road, or an industrial park. */
static void add_town_address(struct rng *r, struct scratch *sc)
{
    uint32_t x = rng_below(r, 100);
    if (x < 50) {
        add_village(r, sc, 1);
        if (rng_chance(r, 500000)) {
            sc_add_uint(sc, 1 + rng_below(r, 300));
            sc_add(sc, "号");
        }
        return;
    }
    if (x >= 80)
        sc_add(sc, "工业园区");
    sc_add(sc, PICK(r, town_roads));
    sc_add_uint(sc, draw_number(r));
    sc_add(sc, "号");
}

int names_address(struct rng *r, int county_index, char *buf, size_t cap)
{
    struct scratch sc = {.len = 0};
    if (county_index < 0 || county_index >= NAMES_COUNTY_COUNT) {
        if (cap > 0)
            buf[0] = '\0';
        return -1;
    }
    const struct county *c = &counties[county_index];
    const char *town = pick(r, c->towns, c->n_towns);
    sc_add(&sc, "山东省聊城市");
    sc_add(&sc, c->name);
    sc_add(&sc, town);
    if (is_street(town))
        add_street_address(r, c, &sc);
    else
        add_town_address(r, &sc);
    return sc_deliver(&sc, buf, cap);
}
